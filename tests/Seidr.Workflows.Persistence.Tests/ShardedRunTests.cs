using System.Text.Json.Nodes;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Persistence.Tests.Support;
using Xunit.Abstractions;

namespace Seidr.Workflows.Persistence.Tests;

/// <summary>
/// Three shard processes of one run write into one PostgreSQL database (a real server started from the installed
/// binaries); <c>seidr report</c> merges them, and the merged results equal a single-process run of the same workflow.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class ShardedRunTests(PostgresServer server, ITestOutputHelper log) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Three_shards_into_one_postgres_run_merge_into_the_same_report_as_a_single_process()
    {
        var pg = server.NewDatabase();
        var data = DatasetCatalog.ResolveDataDirectory(SeidrProcess.RepoRoot);
        using var coder = new FakeCoder(new DatasetCatalog(data).Load("humaneval", SeidrProcess.RepoRoot).Take(12).ToList(), TimeSpan.FromMilliseconds(5));
        var dir = Directory.CreateTempSubdirectory("seidr-shards-").FullName;
        var workflow = FakeWorkflow.Write(Path.Combine(dir, "sharded.yaml"), coder.BaseUrl, "sharded", problems: 12, concurrency: 2,
            matrix: "  matrix:\n    drafts: [\"1\", \"2\"]");

        // Shard 0 by flag; shards 1 and 2 as a Slurm array job would start them (index, count and job id from the environment).
        var shards = Enumerable.Range(0, 3).Select(i => i == 0
            ? SeidrProcess.Start(["run", workflow, "--shard", "0/3", "--run-id", "slurm-4242", "--store", pg, "--out", Path.Combine(dir, "shard-0"), "--quiet"])
            : SeidrProcess.Start(["run", workflow, "--store", pg, "--out", Path.Combine(dir, $"shard-{i}"), "--quiet"],
                new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = i.ToString(), ["SLURM_ARRAY_TASK_COUNT"] = "3", ["SLURM_ARRAY_TASK_MIN"] = "0", ["SLURM_ARRAY_JOB_ID"] = "4242" })).ToList();
        foreach (var s in shards)
        {
            (await s.WaitAsync(TimeSpan.FromMinutes(5))).Should().Be(0, s.Output + s.Errors);
            s.Output.Should().Contain("(run slurm-4242");
            s.Dispose();
        }
        // Each shard ran every third problem: its own summary holds 4 problems per variant.
        for (int i = 0; i < 3; i++)
            JsonNode.Parse(File.ReadAllText(Path.Combine(dir, $"shard-{i}", "summary.json")))!["variants"]![0]!["metrics"]!["problems"]!.GetValue<double>().Should().Be(4);

        var single = await SeidrProcess.RunAsync(["run", workflow, "--run-id", "single", "--store", pg, "--out", Path.Combine(dir, "single"), "--quiet"]);
        single.Exit.Should().Be(0, single.Out + single.Err);

        var merged = await SeidrProcess.RunAsync(["report", "slurm-4242", "--store", pg, "--jsonl", Path.Combine(dir, "merged.jsonl"), "--html", Path.Combine(dir, "merged.html")]);
        merged.Exit.Should().Be(0, merged.Out + merged.Err);
        var one = await SeidrProcess.RunAsync(["report", "single", "--store", pg, "--jsonl", Path.Combine(dir, "single.jsonl")]);
        one.Exit.Should().Be(0, one.Out + one.Err);
        log.WriteLine(merged.Out);

        var a = Normalize(File.ReadAllLines(Path.Combine(dir, "merged.jsonl")));
        var b = Normalize(File.ReadAllLines(Path.Combine(dir, "single.jsonl")));
        a.Where(l => l.StartsWith("{\"type\":\"variant\"")).Should().HaveCount(2);
        a.Where(l => l.StartsWith("{\"type\":\"flow\"")).Should().HaveCount(24);
        a.Should().Equal(b);
        // The merged metrics also equal the single process's own summary.json.
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "single", "summary.json")))!;
        foreach (var line in a.Where(l => l.StartsWith("{\"type\":\"variant\"")))
        {
            var v = JsonNode.Parse(line)!;
            var own = summary["variants"]!.AsArray().Single(x => (string?)x!["id"] == (string?)v["variant"])!["metrics"]!.AsObject();
            foreach (var (k, value) in v["metrics"]!.AsObject())
                own[k]!.GetValue<double>().Should().BeApproximately(value!.GetValue<double>(), 1e-6, k);
        }
        File.ReadAllText(Path.Combine(dir, "merged.html")).Should().Contain("shard 2/3 completed");

        // Every model call of the shards is stored with its prompt and answers, as many as the single process made.
        await using (var c = new Npgsql.NpgsqlConnection(pg))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "select run_id, count(*), count(answers_json) from model_calls group by run_id order by run_id";
            await using var reader = await cmd.ExecuteReaderAsync();
            var calls = new Dictionary<string, (long All, long Answered)>();
            while (await reader.ReadAsync()) calls[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            calls["slurm-4242"].All.Should().BePositive().And.Be(calls["single"].All);
            calls["slurm-4242"].Answered.Should().Be(calls["slurm-4242"].All);
        }
        var runs = await SeidrProcess.RunAsync(["runs", "--store", pg]);
        runs.Out.Should().Contain("slurm-4242").And.Contain("24/24").And.Contain("completed");
        Directory.Delete(dir, true);
    }

    /// <summary>Variant and flow lines without the run id and timings; candidate lines without the run id and creation times.</summary>
    private static List<string> Normalize(string[] lines) => lines.Select(l =>
    {
        var o = JsonNode.Parse(l)!.AsObject();
        o.Remove("run");
        o.Remove("seconds");
        o.Remove("createdAt");
        if (o["metrics"] is JsonObject m)
            foreach (var k in m.Select(kv => kv.Key).Where(k => k.StartsWith("time_s", StringComparison.Ordinal)).ToList()) m.Remove(k);
        return o.ToJsonString();
    }).Where(l => !l.StartsWith("{\"type\":\"candidate\"")).ToList();
}
