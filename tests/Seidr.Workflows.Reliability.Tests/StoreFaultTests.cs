using System.Text.RegularExpressions;
using Npgsql;
using Seidr.Workflows.Persistence.Tests.Support;
using Seidr.Workflows.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Seidr.Workflows.Reliability.Tests;

/// <summary>
/// A run whose store is a real PostgreSQL server that goes away mid-run, as a shared database restarting under a
/// Slurm array would: a short outage is waited out with nothing lost; a long one stops the run cleanly, and a resume
/// against the recovered store finishes it without asking the model again for what it had answered. The server is
/// crashed (<c>pg_ctl -m immediate</c>) and acknowledges only flushed commits, as a real one does.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class StoreFaultTests(DurablePostgresServer postgres, ITestOutputHelper log) : IClassFixture<DurablePostgresServer>, IDisposable
{
    private const int Problems = 24, Drafts = 2;
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-store-faults-").FullName;

    [Fact]
    public async Task A_postgres_restart_mid_run_is_waited_out_and_loses_nothing()
    {
        using var server = LoopbackLlm.Start("--latency", "0.5");
        var store = postgres.NewDatabase();
        var workflow = DraftWorkflow.Write(_dir, server.BaseUrl, Problems, Drafts, concurrency: 2, maxConcurrency: 8, id: "restart");
        var outDir = Path.Combine(_dir, "restart-out");

        using var run = SeidrProcess.Start(["run", workflow, "--out", outDir, "--store", store, "--run-id", "restart", "--quiet"]);
        await WaitForFlowsAsync(store, "restart", 3, run);
        postgres.Stop();
        var down = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(12));
        run.HasExited.Should().BeFalse($"the run waits the outage out: {run.Errors}");
        postgres.Start();
        log.WriteLine($"PostgreSQL was down for {(DateTime.UtcNow - down).TotalSeconds:0.0} s");

        var exit = await run.WaitAsync(TimeSpan.FromMinutes(5));
        log.WriteLine(run.Errors);
        exit.Should().Be(0, run.Output + run.Errors);
        run.Errors.Should().Contain("run store").And.Contain("unreachable").And.Contain("is back after");
        var output = RunOutput.Read(outDir);
        Count(store, "select count(*) from flows where run_id = 'restart'").Should().Be(Problems, "every flow is in the store");
        Count(store, "select count(*) from candidates where run_id = 'restart'").Should().Be((long)output.Metric("programs"));
        Count(store, "select count(*) from model_calls where run_id = 'restart'").Should().Be((long)output.Metric("calls"));
        output.Metric("failed_samples").Should().Be(0);
    }

    [Fact]
    public async Task An_outage_past_the_limit_stops_the_run_cleanly_and_a_resume_finishes_it_asking_nothing_twice()
    {
        // One flow at a time and 1 s answers: ~25 s of work, so the 4 s limit runs out while most flows are still to come.
        using var server = LoopbackLlm.Start("--latency", "1.0");
        var store = postgres.NewDatabase();
        var workflow = DraftWorkflow.Write(_dir, server.BaseUrl, Problems, Drafts, concurrency: 1, maxConcurrency: 8, id: "outage");
        var outDir = Path.Combine(_dir, "outage-out");

        using var run = SeidrProcess.Start(["run", workflow, "--out", outDir, "--store", store, "--run-id", "outage", "--store-wait", "4s", "--quiet"]);
        await WaitForFlowsAsync(store, "outage", 3, run);
        postgres.Stop();
        int exit;
        try { exit = await run.WaitAsync(TimeSpan.FromMinutes(2)); }
        finally { postgres.Start(); }

        log.WriteLine(run.Errors);
        exit.Should().Be(2, "a run whose store stayed away failed");
        var errors = run.Errors.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        errors.Should().ContainSingle().Which.Should().Contain("run store Host=127.0.0.1").And.Contain("unreachable for");
        run.Errors.Should().NotContain("   at ", "no stack trace reaches the user");
        var first = RunOutput.Read(outDir);
        first.Summary["status"]!.GetValue<string>().Should().Be("failed");
        first.Flows.Count.Should().BeInRange(3, Problems - 1, "the flows finished before the stop are kept in the output folder");
        var firstKeys = Requests(await server.StatsAsync());

        // In flight at the stop: asked, but no answer in the response cache. Only those may be asked again.
        var cached = CachedKeys(Path.Combine(outDir, "responses.db"));
        var inFlight = firstKeys.Keys.Where(k => !cached.Contains(k)).ToHashSet();
        var (resumed, stdout, stderr) = await SeidrProcess.RunAsync(["run", "--resume", "outage", "--store", store, "--out", outDir, "--quiet"]);
        resumed.Should().Be(0, stdout + stderr);
        var all = Requests(await server.StatsAsync());
        var askedAgain = all.Where(kv => kv.Value > 1).Select(kv => kv.Key).ToList();
        log.WriteLine($"{firstKeys.Count} keys before the stop, {cached.Count} cached, {inFlight.Count} in flight; asked again: {askedAgain.Count}");
        // FluentAssertions' OnlyContain fails on an empty collection, and none asked again is the best case.
        askedAgain.Where(k => !inFlight.Contains(k)).Should().BeEmpty("a model call whose answer was cached is never made again");
        Count(store, "select count(*) from flows where run_id = 'outage'").Should().Be(Problems);
        RunOutput.Read(outDir).Summary["status"]!.GetValue<string>().Should().Be("completed");
    }

    private async Task WaitForFlowsAsync(string store, string runId, int flows, SeidrProcess run)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !run.HasExited)
        {
            if (TryCount(store, $"select count(*) from flows where run_id = '{runId}'") >= flows) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"the run did not store {flows} flows: {run.Output}{run.Errors}");
    }

    /// <summary>Requests per key (answered or not), from the server's attempts count.</summary>
    private static Dictionary<string, int> Requests(LoopbackLlm.Stats stats) => stats.Attempts.ToDictionary(kv => kv.Key, kv => kv.Value);

    private static HashSet<string> CachedKeys(string responses)
    {
        var keys = new HashSet<string>();
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={responses};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select text from samples";
        using var r = cmd.ExecuteReader();
        while (r.Read())
            if (Regex.Match(r.GetString(0), "# request ([0-9a-f]{16}/-?[0-9]+)") is { Success: true } m) keys.Add(m.Groups[1].Value);
        return keys;
    }

    private static long Count(string store, string sql) => TryCount(store, sql) ?? throw new InvalidOperationException($"cannot query {store}");

    private static long? TryCount(string store, string sql)
    {
        try
        {
            using var c = new NpgsqlConnection(store + ";Pooling=false");
            c.Open();
            using var cmd = new NpgsqlCommand(sql, c);
            return Convert.ToInt64(cmd.ExecuteScalar());
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { return null; }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
