using Seidr.Workflows.Activities.Tests.Ranking;
using Seidr.Workflows;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Activities.Tests.CodeT;

/// <summary>workflows/codet.yaml on the real recorded CodeGen-16B pools (replay model).</summary>
public class CodeTWorkflowTests
{
    /// <summary>
    /// A fixed subset quick enough for the default test run: every 32nd problem, and HumanEval/48, whose recorded
    /// pool holds 5 empty completions (samples that count, and fail).
    /// </summary>
    private const string Subset = "0,32,48,64,96,128,160";

    internal static Task<ExperimentResult> RunAsync(string problems, string? outputDirectory = null) =>
        ExperimentRunner.RunAsync(new ExperimentOptions { WorkflowPath = CodeTPools.Workflow, Problems = problems, OutputDirectory = outputDirectory, OnWarning = _ => { } });

    internal static VariantResult Variant(ExperimentResult result, string ranking) => result.Run.Variants.Single(v => v.Variant["ranking"] == ranking);
    internal static double Pass1(ExperimentResult result, string ranking) => Variant(result, ranking).Metrics["pass@1"];

    [Fact]
    public Task On_a_fixed_subset_the_workflow_gives_the_figures_computed_directly_from_CodeTs_rules() => CompareWithDirectAsync(Subset);

    private static async Task CompareWithDirectAsync(string subset)
    {
        var result = await RunAsync(subset);
        result.Run.Variants.SelectMany(v => v.Flows).Should().OnlyContain(f => f.Status == FlowStatus.Completed);

        var ids = subset.Split(',').Select(int.Parse).ToHashSet();
        var problems = CodeTPools.Problems().Where((_, i) => ids.Contains(i)).ToList();
        await using var runner = await TestRunner.StartAsync();
        var direct = await CodeTPools.DirectFiguresAsync(runner, problems);

        // The same rules on the same pools: equal up to timing noise of 0.1 s limits (the bar is 1.5 points).
        Pass1(result, "random").Should().BeApproximately(direct.Average(d => d.Baseline), 0.015);
        Pass1(result, "codet").Should().BeApproximately(direct.Average(d => d.CodeT), 0.015);
        Pass1(result, "codet").Should().BeGreaterThanOrEqualTo(Pass1(result, "random"));
        Variant(result, "random").Flows.Should().OnlyContain(f => f.Submission.Length == 100, "the baseline submits the whole pool");
    }
}

public class CodeTWorkflowFileTests
{
    [Fact]
    public void The_workflow_is_valid_and_written_in_the_canonical_YAML_spelling()
    {
        ExperimentRunner.Validate(CodeTPools.Workflow).Where(d => d.Severity == Diagnostics.Severity.Error).Should().BeEmpty();
        var text = File.ReadAllText(CodeTPools.Workflow);
        var loaded = Serialization.YamlWorkflowFormat.Read(text, CodeTPools.Workflow);
        var canonical = Serialization.YamlWorkflowFormat.Write(loaded.Definition!);
        if (canonical != text) File.WriteAllText(Path.Combine(Path.GetTempPath(), "codet.canonical.yaml"), canonical);
        text.Should().Be(canonical, "seidr convert round trips must give the same text (canonical form written to the temp folder)");
    }
}
