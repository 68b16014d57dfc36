using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Persistence.Tests.Support;
using Xunit.Abstractions;

namespace Seidr.Workflows.Persistence.Tests;

/// <summary>
/// One workflow (20 HumanEval problems, drafts from a model server in this process, real execution in the sandbox),
/// run once uninterrupted, and again killed with SIGKILL at several points and resumed with
/// <c>seidr run --resume RUN_ID --out DIR</c>.
/// </summary>
public sealed class KillResumeFixture : IDisposable
{
    public KillResumeFixture()
    {
        var data = DatasetCatalog.ResolveDataDirectory(SeidrProcess.RepoRoot);
        var problems = new DatasetCatalog(data).Load("humaneval", SeidrProcess.RepoRoot).Take(Problems).ToList();
        Server = new FakeCoder(problems, TimeSpan.FromMilliseconds(15));
        Dir = Directory.CreateTempSubdirectory("seidr-kill-").FullName;
        Workflow = Path.Combine(Dir, "kill-resume.yaml");
        FakeWorkflow.Write(Workflow, Server.BaseUrl, "kill-resume", problems: Problems, concurrency: 2);
    }

    /// <summary>Problems of the run (one variant: as many flows).</summary>
    public const int Problems = 20;

    public FakeCoder Server { get; }
    public string Dir { get; }
    public string Workflow { get; }
    public SemaphoreSlim Gate { get; } = new(1, 1);
    private (JsonNode Summary, string[] Flows, HashSet<string> Keys)? _baseline;

    /// <summary>The uninterrupted run (once): its summary, flows.jsonl and the prompts+seeds it asked for.</summary>
    public async Task<(JsonNode Summary, string[] Flows, HashSet<string> Keys)> BaselineAsync()
    {
        if (_baseline is { } b) return b;
        var outDir = Path.Combine(Dir, "baseline");
        Server.Reset();
        var (exit, stdout, stderr) = await SeidrProcess.RunAsync(["run", Workflow, "--out", outDir, "--run-id", "baseline", "--quiet"]);
        exit.Should().Be(0, stdout + stderr);
        var keys = Server.Requests.Select(r => r.Key).ToList();
        keys.Should().OnlyHaveUniqueItems("an uninterrupted run asks for every (prompt, seed) once");
        _baseline = (JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!, File.ReadAllLines(Path.Combine(outDir, "flows.jsonl")), keys.ToHashSet());
        return _baseline.Value;
    }

    public void Dispose()
    {
        Server.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

[Trait("Category", "Slow")]
public sealed class ResumeAfterKillTests(KillResumeFixture fx, ITestOutputHelper log) : IClassFixture<KillResumeFixture>
{
    public static TheoryData<string, int[]> Points => new()
    {
        { "at the first model call (no flow finished)", [0] },
        { "after 4 finished flows", [4] },
        { "late, after 15 finished flows", [15] },
        { "twice: after 6, then after 13 finished flows", [6, 13] },
    };

    [Theory]
    [MemberData(nameof(Points))]
    public async Task Kill_9_then_resume_repeats_no_model_call_loses_no_result_and_gives_the_uninterrupted_metrics(string point, int[] killAfterFlows)
    {
        var baseline = await fx.BaselineAsync();
        await fx.Gate.WaitAsync(); // one scenario at a time: the server's request log is shared
        try
        {
            var name = "kill-" + string.Join("-", killAfterFlows);
            var outDir = Path.Combine(fx.Dir, name);
            var db = Path.Combine(outDir, "run.db");
            fx.Server.Reset();
            var allKeys = new List<string>();
            // Per request key: how many times it may be asked again, i.e. how many killed sessions asked for it and died
            // before its answer reached the response cache (in flight at a kill). Exact, from the cache's answers.
            var mayRepeat = new Dictionary<string, int>();
            string[] args = ["run", fx.Workflow, "--out", outDir, "--run-id", name, "--quiet"];
            foreach (var after in killAfterFlows)
            {
                var before = fx.Server.Requests.Count;
                using var p = SeidrProcess.Start(args);
                var deadline = DateTime.UtcNow.AddMinutes(3);
                while (!p.HasExited && DateTime.UtcNow < deadline)
                {
                    bool reached = after == 0 ? fx.Server.Requests.Count > before : SeidrProcess.Count(db, "select count(*) from flows") >= after;
                    if (reached) break;
                    await Task.Delay(5);
                }
                p.HasExited.Should().BeFalse($"the run must still be going when it is killed {point}: {p.Output}{p.Errors}");
                p.Kill9();
                await SettleAsync(); // requests the killed process sent are all logged by the server before they are counted
                var finished = SeidrProcess.Count(db, "select count(*) from flows");
                var cachedKeys = CachedKeys(Path.Combine(outDir, "responses.db"));
                var mine = fx.Server.Requests.Skip(before).Select(r => r.Key).ToList();
                var inFlight = mine.Distinct().Where(k => !cachedKeys.Contains(k)).ToList();
                foreach (var k in inFlight) mayRepeat[k] = mayRepeat.GetValueOrDefault(k) + 1;
                log.WriteLine($"{point}: killed with {finished} flows stored, {mine.Count} model calls made, {cachedKeys.Count} answers in the response cache, {inFlight.Count} in flight");
                finished.Should().BeLessThan(KillResumeFixture.Problems);
                allKeys.AddRange(mine);
                args = ["run", "--resume", name, "--out", outDir, "--quiet"];
            }
            var flowsBefore = Rows(db);
            var start = fx.Server.Requests.Count;
            var (exit, stdout, stderr) = await SeidrProcess.RunAsync(args);
            exit.Should().Be(0, stdout + stderr);
            stdout.Should().Contain($"(run {name}");
            allKeys.AddRange(fx.Server.Requests.Skip(start).Select(r => r.Key));

            // No model call repeated but those in flight at a kill, and the same calls as the uninterrupted run.
            var repeated = allKeys.GroupBy(k => k).Where(g => g.Count() > 1).ToDictionary(g => g.Key, g => g.Count() - 1);
            log.WriteLine($"{point}: {allKeys.Count} requests in all, {repeated.Values.Sum()} repeated, {mayRepeat.Values.Sum()} were in flight at a kill");
            repeated.Where(kv => kv.Value > mayRepeat.GetValueOrDefault(kv.Key))
                .Select(kv => $"{kv.Key} asked {kv.Value + 1} times, in flight at {mayRepeat.GetValueOrDefault(kv.Key)} kills")
                .Should().BeEmpty("a model call whose answer was in the response cache is never made again");
            allKeys.ToHashSet().Should().BeEquivalentTo(baseline.Keys);

            // No finished result lost or changed: every flow stored before the last resume is there as it was.
            var flowsAfter = Rows(db);
            flowsAfter.Should().HaveCount(KillResumeFixture.Problems);
            foreach (var (key, json) in flowsBefore) flowsAfter[key].Should().Be(json);
            SeidrProcess.Count(db, "select count(*) from (select 1 from candidates group by variant_id, problem_id, candidate_id having count(*) > 1)").Should().Be(0);
            SeidrProcess.Count(db, "select count(*) from sessions").Should().Be(killAfterFlows.Length + 1);
            // Every candidate, execution and model call (with its answers) once: as many rows as the uninterrupted run has.
            var baselineDb = Path.Combine(fx.Dir, "baseline", "run.db");
            foreach (var table in new[] { "candidates", "executions", "model_calls" })
                SeidrProcess.Count(db, $"select count(*) from {table}").Should().Be(SeidrProcess.Count(baselineDb, $"select count(*) from {table}"), table);
            SeidrProcess.Count(db, "select count(*) from model_calls where answers_json is null or prompt is null").Should().Be(0);

            // Same final metrics and flows as the uninterrupted run (timings, run id and the cache counter aside).
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
            Normalize(summary).ToJsonString().Should().Be(Normalize(baseline.Summary.DeepClone()).ToJsonString());
            File.ReadAllLines(Path.Combine(outDir, "flows.jsonl")).Select(NormalizeFlow).Should().Equal(baseline.Flows.Select(NormalizeFlow));
        }
        finally { fx.Gate.Release(); }
    }

    /// <summary>Waits until the server has logged no new request for 300 ms.</summary>
    private async Task SettleAsync()
    {
        for (int last = -1, now = fx.Server.Requests.Count; now != last; last = now, now = fx.Server.Requests.Count)
            await Task.Delay(300);
    }

    /// <summary>The request keys whose answers are in the response cache.</summary>
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

    private static Dictionary<string, string> Rows(string db)
    {
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "select variant_id, problem_id, result_json from flows";
        using var r = cmd.ExecuteReader();
        var rows = new Dictionary<string, string>();
        while (r.Read()) rows[r.GetString(0) + "/" + r.GetString(1)] = r.GetString(2);
        return rows;
    }

    internal static JsonNode Normalize(JsonNode summary)
    {
        var o = summary.AsObject();
        o.Remove("runId");
        o.Remove("durationSeconds");
        // The execution counts are the session's own: a resumed session runs only what the killed one had not
        // stored, and each run has its own verdict cache. What must match is that nothing went unstored.
        if (o["execution"] is JsonObject e)
        {
            e["verdictsNotStored"]!.GetValue<long>().Should().Be(0);
            e["verdictCacheError"].Should().BeNull();
            o.Remove("execution");
        }
        foreach (var v in o["variants"]!.AsArray())
        {
            var m = v!["metrics"]!.AsObject();
            foreach (var k in m.Select(kv => kv.Key).Where(k => k.StartsWith("time_s", StringComparison.Ordinal) || k == "cached_calls").ToList()) m.Remove(k);
        }
        return o;
    }

    private static string NormalizeFlow(string line)
    {
        var o = JsonNode.Parse(line)!.AsObject();
        o.Remove("seconds");
        return o.ToJsonString();
    }
}
