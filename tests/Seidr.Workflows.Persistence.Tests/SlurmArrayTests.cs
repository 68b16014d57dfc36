using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Persistence.Tests.Support;
using Xunit.Abstractions;

namespace Seidr.Workflows.Persistence.Tests;

/// <summary>
/// Shards of one run as a real Slurm array job (a single-node cluster started by <see cref="SlurmCluster"/>), every
/// task running the real CLI (<c>dotnet exec seidr.dll run</c>) into one PostgreSQL run, against a single-process run
/// of the same workflow (the model is a <see cref="FakeCoder"/> in this process: deterministic answers, every call
/// seen). The tasks take their shard and run id from Slurm's variables, as <c>scripts/sbatch-example.sh</c> does.
/// </summary>
public sealed class SlurmArrayFixture : IDisposable
{
    public const int Problems = 8;

    public SlurmArrayFixture()
    {
        var data = DatasetCatalog.ResolveDataDirectory(SeidrProcess.RepoRoot);
        Coder = new FakeCoder(new DatasetCatalog(data).Load("humaneval", SeidrProcess.RepoRoot).Take(Problems).ToList(), TimeSpan.FromMilliseconds(250));
        Dir = Directory.CreateTempSubdirectory("seidr-slurm-runs-").FullName;
        Workflow = FakeWorkflow.Write(Path.Combine(Dir, "slurm.yaml"), Coder.BaseUrl, "slurm", problems: Problems, concurrency: 2,
            matrix: "  matrix:\n    drafts: [\"1\", \"2\"]");
        // The job script: one seidr run per task, its own output folder (summary and response cache), the shared store.
        Script = Path.Combine(Dir, "task.sh");
        File.WriteAllText(Script, $$"""
            #!/bin/bash
            out="$OUT_ROOT/task-$SLURM_ARRAY_TASK_ID"
            echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT, job $SLURM_ARRAY_JOB_ID, restart ${SLURM_RESTART_COUNT:-0}"
            dotnet exec '{{SeidrProcess.Dll}}' run '{{Workflow}}' --store "$SEIDR_STORE" --out "$out" --quiet $SEIDR_ARGS
            echo "exit=$?"
            """);
        File.SetUnixFileMode(Script, (UnixFileMode)0b111_101_101);
    }

    public FakeCoder Coder { get; }
    public string Dir { get; }
    public string Workflow { get; }
    public string Script { get; }
    public SemaphoreSlim Gate { get; } = new(1, 1);
    private (string Jsonl, HashSet<string> Keys, long Candidates)? _single;

    /// <summary>The single-process run (once), reported from the store: its normalized variant and flow lines, the
    /// model calls it made and its candidate count.</summary>
    public async Task<(string Jsonl, HashSet<string> Keys, long Candidates)> SingleAsync(string store)
    {
        if (_single is { } s) return s;
        Coder.Reset();
        var run = await SeidrProcess.RunAsync(["run", Workflow, "--run-id", "single", "--store", store, "--out", Path.Combine(Dir, "single"), "--quiet"], timeout: TimeSpan.FromMinutes(8));
        run.Exit.Should().Be(0, run.Out + run.Err);
        var keys = Coder.Requests.Select(r => r.Key).ToList();
        keys.Should().OnlyHaveUniqueItems();
        _single = (await SlurmArrayTests.ReportAsync("single", store, Dir), keys.ToHashSet(), await SlurmArrayTests.CountAsync(store, "select count(*) from candidates where run_id = 'single'"));
        return _single.Value;
    }

    public void Dispose()
    {
        Coder.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

[Trait("Category", "Slow")]
public sealed class SlurmArrayTests(SlurmCluster slurm, PostgresServer postgres, SlurmArrayFixture fx, ITestOutputHelper log)
    : IClassFixture<SlurmCluster>, IClassFixture<PostgresServer>, IClassFixture<SlurmArrayFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(10);

    private Dictionary<string, string> Env(string store, string outRoot, string args = "") =>
        new() { ["SEIDR_STORE"] = store, ["OUT_ROOT"] = outRoot, ["SEIDR_ARGS"] = args, ["NO_COLOR"] = "1", ["DOTNET_NOLOGO"] = "1" };

    [Fact]
    public async Task An_sbatch_array_of_shards_writes_one_run_equal_to_a_single_process_run()
    {
        slurm.Require();
        var store = postgres.NewDatabase();
        await fx.Gate.WaitAsync();
        try
        {
            var single = await fx.SingleAsync(store);
            fx.Coder.Reset();
            var outRoot = Path.Combine(fx.Dir, "array");
            var job = slurm.SubmitArray(fx.Script, "0-2", SeidrProcess.RepoRoot, Env(store, outRoot));
            await slurm.WaitDoneAsync(job, JobTimeout);
            var outputs = slurm.JobOutputs(job);
            log.WriteLine(outputs);
            for (int t = 0; t < 3; t++)
            {
                slurm.TaskOutput(job, t).Should().Contain($"task {t} of 3, job {job}").And.Contain("exit=0").And.Contain($"(run slurm-{job}", outputs);
                // Each task ran every third problem (by Slurm's SLURM_ARRAY_TASK_ID / _COUNT), under both variants.
                var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outRoot, $"task-{t}", "summary.json")))!;
                summary["variants"]!.AsArray().Select(v => v!["metrics"]!["problems"]!.GetValue<double>()).Should().Equal(t < 2 ? [3.0, 3.0] : [2.0, 2.0]);
            }
            (await ReportAsync($"slurm-{job}", store, fx.Dir)).Should().Be(single.Jsonl);
            fx.Coder.Requests.Select(r => r.Key).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(single.Keys, "the shards together ask what one process asks");
            (await CountAsync(store, $"select count(*) from candidates where run_id = 'slurm-{job}'")).Should().Be(single.Candidates);
            (await CountAsync(store, $"select count(distinct shard_index) from sessions where run_id = 'slurm-{job}' and shard_count = 3")).Should().Be(3);
            (await SeidrProcess.RunAsync(["runs", "--store", store])).Out.Should().Contain($"slurm-{job}").And.Contain("16/16").And.Contain("completed");
        }
        finally { fx.Gate.Release(); }
    }

    [Fact]
    public async Task A_task_requeued_mid_run_resumes_with_no_flow_duplicated_and_no_answered_call_repeated()
    {
        slurm.Require();
        var store = postgres.NewDatabase();
        await fx.Gate.WaitAsync();
        try
        {
            var single = await fx.SingleAsync(store);
            fx.Coder.Reset();
            var outRoot = Path.Combine(fx.Dir, "requeue");
            var job = slurm.SubmitArray(fx.Script, "0-1", SeidrProcess.RepoRoot, Env(store, outRoot));
            var run = $"slurm-{job}";
            // Task 1 has problems 1, 3, 5, 7: requeue it once two of its flows are stored.
            var mine = Enumerable.Range(0, SlurmArrayFixture.Problems).Where(i => i % 2 == 1).Select(i => $"HumanEval/{i}").ToHashSet();
            var deadline = DateTime.UtcNow + JobTimeout;
            while (await TryCountAsync(store, $"select count(*) from flows where run_id = '{run}' and problem_id in ({string.Join(",", mine.Select(p => $"'{p}'"))})") < 2)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException(slurm.JobOutputs(job));
                await Task.Delay(50);
            }
            slurm.Tasks(job).GetValueOrDefault($"{job}_1").Should().Be("RUNNING", "the task is requeued while it runs");
            var storedBefore = await CountAsync(store, $"select count(*) from flows where run_id = '{run}'");
            slurm.Run("scontrol", "requeue", $"{job}_1");

            // Requeued, the task waits (Slurm holds a requeued job ~2 minutes); once its process is gone, the answers in
            // its response cache say which of its calls were answered: only the others may be asked again.
            var taskOut = Path.Combine(outRoot, "task-1");
            while (slurm.Tasks(job).GetValueOrDefault($"{job}_1") != "PENDING" || ProcessesWith(taskOut).Count > 0)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"task 1 not requeued: {string.Join(", ", slurm.Tasks(job))}");
                await Task.Delay(100);
            }
            await Task.Delay(500); // the server logs every request the killed process sent
            var asked = fx.Coder.Requests.Select(r => r.Key).Where(k => mine.Contains(fx.Coder.ProblemOf(k) ?? "")).Distinct().ToList();
            var answered = CachedKeys(Path.Combine(taskOut, "responses.db"));
            var inFlight = asked.Where(k => !answered.Contains(k)).ToHashSet();
            var requestsAtRequeue = fx.Coder.Requests.Count;
            log.WriteLine($"requeued with {storedBefore} flows stored; task 1 had asked {asked.Count} calls, {answered.Count} answered in its cache, {inFlight.Count} in flight");
            slurm.Run("scontrol", "update", $"jobid={job}_1", "StartTime=now");
            await slurm.WaitDoneAsync(job, JobTimeout);
            var outputs = slurm.JobOutputs(job);
            log.WriteLine(outputs);

            var task1 = slurm.TaskOutput(job, 1);
            task1.Should().Contain("restart 0").And.Contain("restart 1", "the task ran twice");
            task1.Split("restart 1")[1].Should().Contain("exit=0").And.Contain("finished flows kept from earlier sessions", outputs);
            slurm.TaskOutput(job, 0).Should().Contain("exit=0");

            // No model call whose answer reached the cache was made again; the calls are the single run's.
            var keys = fx.Coder.Requests.Select(r => r.Key).ToList();
            var repeated = keys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            repeated.Where(k => !inFlight.Contains(k)).Should().BeEmpty("only calls in flight at the requeue are asked again");
            keys.GroupBy(k => k).Should().OnlyContain(g => g.Count() <= 2);
            keys.Skip(requestsAtRequeue).Should().NotContain(k => answered.Contains(k));
            keys.ToHashSet().Should().BeEquivalentTo(single.Keys);

            // No flow, candidate or call stored twice, and the same results as one process.
            (await CountAsync(store, $"select count(*) from flows where run_id = '{run}'")).Should().Be(16);
            (await CountAsync(store, $"select count(*) from (select 1 from candidates where run_id = '{run}' group by variant_id, problem_id, candidate_id having count(*) > 1) d")).Should().Be(0);
            (await CountAsync(store, $"select count(*) from candidates where run_id = '{run}'")).Should().Be(single.Candidates);
            (await CountAsync(store, $"select count(*) from sessions where run_id = '{run}'")).Should().Be(3, "two tasks, one of them started twice");
            (await ReportAsync(run, store, fx.Dir)).Should().Be(single.Jsonl);
        }
        finally { fx.Gate.Release(); }
    }

    [Fact]
    public async Task An_array_sharded_by_variant_runs_one_variant_per_task()
    {
        slurm.Require();
        var store = postgres.NewDatabase();
        await fx.Gate.WaitAsync();
        try
        {
            var single = await fx.SingleAsync(store);
            var outRoot = Path.Combine(fx.Dir, "variants");
            var job = slurm.SubmitArray(fx.Script, "0-1", SeidrProcess.RepoRoot, Env(store, outRoot, "--shard-by variant"));
            await slurm.WaitDoneAsync(job, JobTimeout);
            var outputs = slurm.JobOutputs(job);
            log.WriteLine(outputs);
            for (int t = 0; t < 2; t++)
            {
                slurm.TaskOutput(job, t).Should().Contain("exit=0", outputs);
                var variants = JsonNode.Parse(File.ReadAllText(Path.Combine(outRoot, $"task-{t}", "summary.json")))!["variants"]!.AsArray();
                variants.Select(v => (string?)v!["id"]).Should().Equal([t == 0 ? "drafts=1" : "drafts=2"], "task i runs the matrix's i-th variant");
                variants[0]!["metrics"]!["problems"]!.GetValue<double>().Should().Be(SlurmArrayFixture.Problems, "on every problem");
            }
            (await ReportAsync($"slurm-{job}", store, fx.Dir)).Should().Be(single.Jsonl);
            (await SeidrProcess.RunAsync(["runs", "--store", store])).Out.Should().Contain($"slurm-{job}").And.Contain("16/16").And.Contain("completed");
        }
        finally { fx.Gate.Release(); }
    }

    /// <summary>A stored run's variant and flow lines (<c>seidr report --jsonl</c>), without run ids and timings.</summary>
    internal static async Task<string> ReportAsync(string runId, string store, string dir)
    {
        var file = Path.Combine(dir, runId + ".jsonl");
        var r = await SeidrProcess.RunAsync(["report", runId, "--store", store, "--jsonl", file]);
        r.Exit.Should().Be(0, r.Out + r.Err);
        return string.Join("\n", File.ReadAllLines(file).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            o.Remove("run");
            o.Remove("seconds");
            o.Remove("createdAt");
            if (o["metrics"] is JsonObject m)
                foreach (var k in m.Select(kv => kv.Key).Where(k => k.StartsWith("time_s", StringComparison.Ordinal) || k == "cached_calls").ToList()) m.Remove(k);
            return o.ToJsonString();
        }).Where(l => !l.StartsWith("{\"type\":\"candidate\"")));
    }

    internal static async Task<long> CountAsync(string store, string sql)
    {
        await using var c = new Npgsql.NpgsqlConnection(store);
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>A count, or 0 while the first task has not yet created the tables.</summary>
    private static async Task<long> TryCountAsync(string store, string sql)
    {
        try { return await CountAsync(store, sql); }
        catch (Npgsql.PostgresException e) when (e.SqlState == "42P01") { return 0; }
    }

    /// <summary>The request keys whose answers are in a response cache.</summary>
    private static HashSet<string> CachedKeys(string cache)
    {
        var keys = new HashSet<string>();
        if (!File.Exists(cache)) return keys;
        using var c = new SqliteConnection($"Data Source={cache};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select text from samples";
        using var r = cmd.ExecuteReader();
        while (r.Read()) if (FakeCoder.KeyIn(r.GetString(0)) is { } k) keys.Add(k);
        return keys;
    }

    /// <summary>Processes whose command line contains <paramref name="marker"/> (a task's own output folder).</summary>
    private static List<int> ProcessesWith(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try { if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(marker, StringComparison.Ordinal)) found.Add(pid); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }
}
