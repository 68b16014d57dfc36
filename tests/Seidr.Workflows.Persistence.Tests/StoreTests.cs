using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence.Tests.Support;

namespace Seidr.Workflows.Persistence.Tests;

/// <summary>The same store behaviour on both providers.</summary>
public abstract class StoreContract
{
    protected abstract StoreLocation NewLocation();

    private static async Task<(RunResult Result, List<RunEvent> Events)> RunEngineAsync(RunSession session, IReadOnlyList<Problems.Problem> problems, CancellationToken ct = default)
    {
        var events = new ConcurrentQueue<RunEvent>();
        var result = await new WorkflowEngine().RunAsync(TestWorkflow.Definition, new RunOptions
        {
            Catalog = TestWorkflow.Catalog, Problems = problems, RunId = session.RunId, Completed = session.Completed,
            Observers = [session.Writer, new DelegateObserver(events.Enqueue)],
        }, ct);
        await session.EndAsync(result.Status, CancellationToken.None);
        return (result, events.ToList());
    }

    [Fact]
    public async Task A_run_round_trips_every_flow_result_exactly_and_keeps_candidates_executions_calls_and_events()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var problems = TestWorkflow.Problems(12);
        var session = await store.BeginAsync(TestWorkflow.Start("r1", problems));
        session.Completed.Should().BeEmpty();
        var (result, events) = await RunEngineAsync(session, problems);

        var flows = await store.LoadFlowsAsync("r1");
        var expected = result.Variants.SelectMany(v => v.Flows).ToList();
        flows.Should().HaveCount(24);
        foreach (var f in expected)
            StoreJson.FlowResult(flows[f.Key]).Should().Be(StoreJson.FlowResult(f), "flow {0} must come back exactly", f.Key);
        flows[expected[0].Key].Flags.KeyComparer.Should().Be(StringComparer.Ordinal);

        var run = await store.LoadRunAsync("r1");
        run.Candidates.Should().HaveCount(events.OfType<CandidateCreated>().Count());
        run.Candidates.Should().Contain(c => c.Kind == CandidateKinds.Explanation && c.Prompt == "explain" && c.ParentId != null);
        var repaired = run.Candidates.First(c => c.Stage == "repair" && c.Kind == CandidateKinds.Program);
        run.Candidates.Should().Contain(c => c.CandidateId == repaired.ParentId && c.Kind == CandidateKinds.Explanation && c.VariantId == repaired.VariantId && c.ProblemId == repaired.ProblemId);
        run.Executions.Should().HaveCount(events.OfType<CandidateScored>().Count());
        run.Executions.Should().Contain(e => e.Passed == 1 && e.Total == 2 && e.ResultsJson.Contains("\"Expected\":\"0\""));
        run.ModelCalls.Should().HaveCount(events.OfType<ModelCallRecorded>().Count());
        run.ModelCalls.Sum(c => c.Cost).Should().Be(expected.Sum(f => f.Cost));
        // A call keeps its prompt and its answers (here: the drafts made from them).
        var draftCall = run.ModelCalls.First(c => c.ActivityId == "draft");
        draftCall.Prompt.Should().Be("draft");
        var answers = StoreJson.Deserialize<string[]>(draftCall.AnswersJson!);
        answers.Should().NotBeEmpty().And.OnlyContain(a => run.Candidates.Any(c => c.VariantId == draftCall.VariantId && c.ProblemId == draftCall.ProblemId && c.Content == a));
        run.Sessions.Should().ContainSingle().Which.Status.Should().Be("completed");

        // Metrics recomputed from the store equal the engine's.
        var stored = run.Results();
        for (int i = 0; i < result.Variants.Length; i++)
            stored[i].Metrics.Should().Equal(result.Variants[i].Metrics);

        await using var ctx = store.NewContext();
        (await ctx.Events.CountAsync(e => e.RunId == "r1" && e.Type == "ActivityCompleted")).Should().Be(events.OfType<ActivityCompleted>().Count());
        (await ctx.Events.CountAsync(e => e.RunId == "r1" && e.Type == "RunCompleted")).Should().Be(1);
        (await store.ListRunsAsync()).Should().ContainSingle(r => r.RunId == "r1" && r.Status == "completed" && r.Flows == 24 && r.ExpectedFlows == 24);
    }

    [Fact]
    public async Task A_resumed_session_takes_finished_flows_and_reruns_the_rest_without_duplicates()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var problems = TestWorkflow.Problems(10);
        // First session: cancelled after a few flows.
        var s1 = await store.BeginAsync(TestWorkflow.Start("r2", problems));
        using var cts = new CancellationTokenSource();
        int finished = 0;
        var slow = new DelegateObserver(e => { if (e is FlowCompleted && Interlocked.Increment(ref finished) >= 5) cts.Cancel(); });
        var first = await new WorkflowEngine().RunAsync(TestWorkflow.Definition, new RunOptions
        {
            Catalog = TestWorkflow.Catalog, Problems = problems, RunId = "r2", Observers = [s1.Writer, slow], MaxFlows = 1,
        }, cts.Token);
        await s1.EndAsync(first.Status);
        first.Status.Should().Be(RunStatus.Cancelled);
        var kept = await store.LoadFlowsAsync("r2");
        kept.Count.Should().BeInRange(5, 19);
        (await store.ListRunsAsync()).Single(r => r.RunId == "r2").Status.Should().Be("cancelled");

        // Leftovers of an unfinished flow (as a kill leaves them) are removed when the next session begins.
        var unfinished = TestWorkflow.Variants.SelectMany(v => problems.Select(p => new FlowKey(v.Id, p.Id))).First(k => !kept.ContainsKey(k));
        await using (var ctx = store.NewContext())
        {
            ctx.Candidates.Add(new CandidateRow { RunId = "r2", VariantId = unfinished.VariantId, ProblemId = unfinished.ProblemId, CandidateId = "draft#0.0", Kind = "program", Content = "stale", Stage = "draft", TagsJson = "{}" });
            await ctx.SaveChangesAsync();
        }

        var s2 = await store.BeginAsync(TestWorkflow.Start("r2", problems) with { Resumed = true });
        s2.Completed.Keys.Should().BeEquivalentTo(kept.Keys);
        var (resumed, _) = await RunEngineAsync(s2, problems);

        var uninterrupted = await new WorkflowEngine().RunAsync(TestWorkflow.Definition, new RunOptions { Catalog = TestWorkflow.Catalog, Problems = problems });
        for (int i = 0; i < resumed.Variants.Length; i++)
            Without(resumed.Variants[i].Metrics).Should().Equal(Without(uninterrupted.Variants[i].Metrics));

        var run = await store.LoadRunAsync("r2");
        run.Flows.Should().HaveCount(20);
        run.Candidates.Should().NotContain(c => c.Content == "stale");
        run.Candidates.GroupBy(c => (c.VariantId, c.ProblemId, c.CandidateId)).Should().OnlyContain(g => g.Count() == 1);
        var uninterruptedCandidates = uninterrupted.Variants.Sum(v => v.Flows.Sum(f => f.Programs));
        run.Candidates.Count(c => c.Kind == CandidateKinds.Program).Should().Be(uninterruptedCandidates);
        run.Sessions.Should().HaveCount(2);
        (await store.ListRunsAsync()).Single(r => r.RunId == "r2").Status.Should().Be("completed");
    }

    internal static IEnumerable<KeyValuePair<string, double>> Without(IEnumerable<KeyValuePair<string, double>> m) =>
        m.Where(kv => !kv.Key.StartsWith("time_s", StringComparison.Ordinal));

    [Fact]
    public async Task A_run_reads_running_from_its_first_row_on_then_completed()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        // Many problems with long prompts, so that beginning takes a while and another process lists the run meanwhile.
        var start = TestWorkflow.Start("s1", TestWorkflow.Problems(2)) with
        {
            AllProblems = [.. Enumerable.Range(0, 3000).Select(i => new ProblemInfo($"Q{i}", "test", null, new string('p', 4000)))],
        };
        var begin = Task.Run(() => store.BeginAsync(start)); // another thread, as another process would (SQLite calls complete synchronously)
        var seen = new List<string>();
        while (!begin.IsCompleted)
            if (await store.FindListingAsync("s1") is { } listing && !begin.IsCompleted) seen.Add(listing.Status);
        var session = await begin;
        seen.Should().NotBeEmpty("the run was listed while its session began").And.OnlyContain(s => s == "running", "a run just started is running, never interrupted");
        (await store.FindListingAsync("s1"))!.Status.Should().Be("running");

        await session.EndAsync(RunStatus.Cancelled);
        (await store.FindListingAsync("s1"))!.Status.Should().Be("cancelled");
    }

    [Fact]
    public async Task A_run_whose_session_is_not_written_yet_is_running_until_it_is_stale()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var now = DateTimeOffset.UtcNow;
        // As a process of an older version leaves it for a moment: the run's row, no session yet.
        await using (var ctx = store.NewContext())
        {
            ctx.Runs.Add(new RunRow
            {
                Id = "s2", WorkflowId = "w", WorkflowPath = "/tmp/w.yaml", WorkflowText = "id: w", MatrixJson = "{}", SettingsJson = "{}",
                TotalProblems = 2, TotalVariants = 1, CreatedAt = now,
            });
            await ctx.SaveChangesAsync();
        }
        (await store.FindListingAsync("s2"))!.Status.Should().Be("running");
        await using (var ctx = store.NewContext())
            await ctx.Runs.Where(r => r.Id == "s2").ExecuteUpdateAsync(r => r.SetProperty(x => x.CreatedAt, now - RunStore.StaleAfter - TimeSpan.FromSeconds(1)));
        (await store.FindListingAsync("s2"))!.Status.Should().Be("interrupted", "a session that never came is a process that died starting");
    }

    [Fact]
    public async Task A_running_session_reads_running_and_a_killed_one_interrupted_once_its_heartbeat_is_stale()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var problems = TestWorkflow.Problems(2);
        var running = await store.BeginAsync(TestWorkflow.Start("s3", problems));
        var killed = await store.BeginAsync(TestWorkflow.Start("s4", problems));
        await killed.Writer.CompleteAsync(); // the process dies: its session never ends and its heartbeat stops
        await using (var ctx = store.NewContext())
            await ctx.Sessions.Where(s => s.Id == killed.SessionId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, DateTimeOffset.UtcNow - RunStore.StaleAfter - TimeSpan.FromSeconds(1)));
        var list = await store.ListRunsAsync();
        list.Single(r => r.RunId == "s3").Status.Should().Be("running");
        list.Single(r => r.RunId == "s4").Status.Should().Be("interrupted");

        await RunEngineAsync(running, problems);
        (await store.FindListingAsync("s3"))!.Status.Should().Be("completed");
    }

    [Fact]
    public async Task A_session_that_fails_to_begin_is_ended_as_failed()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        await using (var ctx = store.NewContext()) await ctx.Database.ExecuteSqlRawAsync("DROP TABLE problems");
        var act = () => store.BeginAsync(TestWorkflow.Start("s5", TestWorkflow.Problems(2)));
        await act.Should().ThrowAsync<Exception>();
        var listing = await store.FindListingAsync("s5");
        listing!.Status.Should().Be("failed", "the run's session was written with it, and ended when beginning failed");
    }

    [Fact]
    public async Task The_same_run_id_with_another_workflow_text_is_refused()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var problems = TestWorkflow.Problems(2);
        await (await store.BeginAsync(TestWorkflow.Start("r3", problems))).EndAsync(RunStatus.Completed);
        var act = () => store.BeginAsync(TestWorkflow.Start("r3", problems, text: TestWorkflow.Yaml + "\n# edited\n"));
        (await act.Should().ThrowAsync<RunConflictException>()).Which.Message.Should().Contain("r3").And.Contain("another text");
    }

    [Fact]
    public async Task An_unknown_run_is_reported_with_the_runs_the_store_has()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        await (await store.BeginAsync(TestWorkflow.Start("known-run", TestWorkflow.Problems(1)))).EndAsync(RunStatus.Completed);
        var act = () => store.LoadRunAsync("known");
        (await act.Should().ThrowAsync<RunStoreException>()).Which.Message.Should().Contain("no run 'known'").And.Contain("known-run");
    }

    [Fact]
    public async Task The_writer_never_blocks_the_engine_and_writes_everything_in_batches()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var problems = TestWorkflow.Problems(1);
        var session = await store.BeginAsync(TestWorkflow.Start("r4", problems), new RunStoreWriterOptions { FlushInterval = TimeSpan.FromMilliseconds(50) });
        var flow = new FlowKey("drafts=1", problems[0].Id);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 20_000; i++)
            session.Writer.OnEvent(new CandidateCreated(flow, new Candidate { Id = $"draft#{i}.0", Kind = "program", Content = "x", Stage = "draft" }));
        var queued = clock.Elapsed;
        await session.EndAsync(RunStatus.Completed);
        queued.Should().BeLessThan(TimeSpan.FromSeconds(1), "queuing 20,000 events must not wait for the database");
        session.Writer.Written.Should().Be(20_000);
        session.Writer.Batches.Should().BeGreaterThanOrEqualTo(4, "at most 5,000 events go in one transaction");
        (await store.LoadRunAsync("r4")).Candidates.Should().HaveCount(20_000);
    }

    [Fact]
    public async Task A_write_that_keeps_failing_is_reported_when_the_session_ends()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var problems = TestWorkflow.Problems(1);
        var session = await store.BeginAsync(TestWorkflow.Start("r5", problems), new RunStoreWriterOptions { FlushInterval = TimeSpan.FromMilliseconds(10) });
        await using (var ctx = store.NewContext()) await ctx.Database.ExecuteSqlRawAsync("DROP TABLE candidates");
        session.Writer.OnEvent(new CandidateCreated(new FlowKey("drafts=1", "P0"), new Candidate { Id = "draft#0.0", Kind = "program", Content = "x", Stage = "draft" }));
        var act = () => session.EndAsync(RunStatus.Completed);
        (await act.Should().ThrowAsync<RunStoreException>()).Which.Message.Should().Contain("lost writes");
    }
}

public sealed class SqliteStoreTests : StoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-store-").FullName;
    protected override StoreLocation NewLocation() => StoreLocation.Sqlite(Path.Combine(_dir, Guid.NewGuid().ToString("N")[..6], "run.db"));
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Fact]
    public async Task A_killed_session_reads_as_interrupted_once_it_is_stale()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        var session = await store.BeginAsync(TestWorkflow.Start("k1", TestWorkflow.Problems(2)));
        await session.Writer.CompleteAsync(); // the process "dies": the session never ends
        (await store.ListRunsAsync()).Single().Status.Should().Be("running");
        var stale = RunStore.StaleAfter;
        try
        {
            RunStore.StaleAfter = TimeSpan.Zero;
            (await store.ListRunsAsync()).Single().Status.Should().Be("interrupted");
        }
        finally { RunStore.StaleAfter = stale; }
    }

    [Fact]
    public async Task Opening_a_store_that_does_not_exist_for_reading_says_so()
    {
        var act = () => RunStore.OpenExistingAsync(StoreLocation.Sqlite(Path.Combine(_dir, "nope", "run.db")));
        (await act.Should().ThrowAsync<RunStoreException>()).Which.Message.Should().Contain("no run store at").And.Contain("nope");
    }
}

[Trait("Category", "Postgres")]
public sealed class PostgresStoreTests(PostgresServer server) : StoreContract, IClassFixture<PostgresServer>
{
    protected override StoreLocation NewLocation() => StoreLocation.Parse(server.NewDatabase());
}

public sealed class StoreLocationTests
{
    [Theory]
    [InlineData("Host=127.0.0.1;Port=5432;Database=seidr;Username=u;Password=secret", StoreProvider.PostgreSql)]
    [InlineData("Server=db;Database=seidr", StoreProvider.PostgreSql)]
    [InlineData("runs/x/run.db", StoreProvider.Sqlite)]
    [InlineData("/tmp/a=b/run.db", StoreProvider.Sqlite)]
    public void A_connection_string_is_postgres_and_anything_else_a_sqlite_file(string text, StoreProvider provider)
    {
        var location = StoreLocation.Parse(text);
        location.Provider.Should().Be(provider);
        location.Display.Should().NotContain("secret");
    }

    [Fact]
    public void A_postgres_uri_is_refused_with_the_form_to_use_and_without_the_password()
    {
        var act = () => StoreLocation.Parse("postgres://u:secret@db/seidr");
        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain("Host=").And.NotContain("secret");
    }
}

