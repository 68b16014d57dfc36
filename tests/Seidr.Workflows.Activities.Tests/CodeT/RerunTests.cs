using System.Text.Json.Nodes;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Activities.Tests.CodeT;

/// <summary>Re-running workflows/codet.yaml with a new ranking: the verdict cache answers every test run and check.</summary>
public sealed class RerunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-rerun-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private Task<ExperimentResult> RunAsync(string name, string[] rankings, string? verdicts = null) =>
        ExperimentRunner.RunAsync(new ExperimentOptions
        {
            WorkflowPath = CodeTPools.Workflow,
            Problems = "0,48",
            Variants = rankings.Select(r => $"ranking={r}").ToHashSet(),
            OutputDirectory = Path.Combine(_dir, name),
            VerdictCachePath = verdicts,
            OnWarning = _ => { },
        });

    // What a run computed: its metrics without times and without cached_calls (which say how it got there).
    private static Dictionary<string, double> Computed(ExperimentResult result, string ranking) =>
        CodeTWorkflowTests.Variant(result, ranking).Metrics.Where(m => !m.Key.StartsWith("time_s", StringComparison.Ordinal) && m.Key != "cached_calls")
            .ToDictionary(m => m.Key, m => m.Value);

    [Fact]
    public async Task A_second_run_with_one_more_ranking_variant_executes_no_program()
    {
        var first = await RunAsync("first", ["random"]);
        first.Execution.Executed.Should().BePositive();
        first.Execution.FromCache.Should().Be(0);

        // Another output folder, sharing the first run's verdict cache: one more ranking variant, the same pools.
        var second = await RunAsync("second", ["random", "codet"], verdicts: Path.Combine(_dir, "first", "verdicts.db"));
        second.Execution.Executed.Should().Be(0, "every program already ran on these tests, and every submission was judged");
        second.Execution.FromCache.Should().BeGreaterThanOrEqualTo(first.Execution.Executed);
        Computed(second, "random").Should().Equal(Computed(first, "random"), "cached verdicts are the verdicts");
        CodeTWorkflowTests.Pass1(second, "codet").Should().BeGreaterThanOrEqualTo(CodeTWorkflowTests.Pass1(second, "random"));

        var summary = JsonNode.Parse(File.ReadAllText(second.SummaryPath!))!["execution"]!;
        summary["executed"]!.GetValue<long>().Should().Be(0);
        summary["fromVerdictCache"]!.GetValue<long>().Should().Be(second.Execution.FromCache);
    }
}
