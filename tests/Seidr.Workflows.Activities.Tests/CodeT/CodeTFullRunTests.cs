using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Runtime;
using Xunit.Abstractions;

namespace Seidr.Workflows.Activities.Tests.CodeT;

/// <summary>
/// The whole of workflows/codet.yaml: all 164 problems, 100 code and 100 test samples each (about 30 min on 2 busy
/// cores). The bars are the issue's: within 1.5 points of what CodeT's own code prints on these pools (22.12, 36.76),
/// and the behaviour ranking at least 3 points above our CodeT top-1. Measured with `seidr run` (docs/codet.md):
/// 22.12, 37.19 and 42.85 with the exponent 4 (CodeT 37.27 in an earlier run: 0.1 s verdicts vary a little with timing);
/// with the pool-only softness sqrt(T), 42.79 recomputed from a stored run (scripts/ranking_cv.py, docs/codet.md).
/// </summary>
public class CodeTFullRunTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task All_164_problems_reproduce_CodeTs_figures_and_the_behaviour_ranking_beats_CodeT_by_3_points()
    {
        var testSets = new ConcurrentDictionary<FlowKey, ConcurrentBag<Candidate>>();
        var observer = new DelegateObserver(e =>
        {
            if (e is CandidateCreated { Candidate.Kind: CandidateKinds.TestSet } c) testSets.GetOrAdd(c.Flow, _ => []).Add(c.Candidate);
        });
        var clock = Stopwatch.StartNew();
        var result = await ExperimentRunner.RunAsync(new ExperimentOptions { WorkflowPath = CodeTPools.Workflow, OnWarning = _ => { }, Observers = [observer] });
        output.WriteLine($"run time {clock.Elapsed.TotalSeconds:F0} s");
        foreach (var v in result.Run.Variants) output.WriteLine($"{v.Variant.Id}: pass@1 {v.Metrics["pass@1"]:P2}");

        if (Environment.GetEnvironmentVariable("SEIDR_CODET_DUMP") is { Length: > 0 } dump) Dump(dump, result, testSets);

        result.Run.Variants.SelectMany(v => v.Flows).Should().HaveCount(3 * 164).And.OnlyContain(f => f.Status == FlowStatus.Completed);
        var random = CodeTWorkflowTests.Pass1(result, "random");
        var codet = CodeTWorkflowTests.Pass1(result, "codet");
        var behaviour = CodeTWorkflowTests.Pass1(result, "behaviour");
        random.Should().BeApproximately(0.2212, 0.015, "CodeT's own code prints pass@1 22.12 for the random baseline");
        codet.Should().BeApproximately(0.3676, 0.015, "CodeT's own code prints 36.76 for its top-1");
        behaviour.Should().BeGreaterThanOrEqualTo(codet + 0.03, "the behaviour ranking is declared to beat CodeT top-1 by 3 points");
    }

    /// <summary>Writes, per problem, the dual execution matrix of the baseline's pool with the hidden verdicts (for analysis).</summary>
    private static void Dump(string path, ExperimentResult result, ConcurrentDictionary<FlowKey, ConcurrentBag<Candidate>> testSets)
    {
        using var writer = new StreamWriter(path);
        foreach (var flow in CodeTWorkflowTests.Variant(result, "random").Flows)
        {
            var sets = testSets.GetValueOrDefault(flow.Key)?.OrderBy(c => int.Parse(c.Tags["sample"])).ToList() ?? [];
            var m = DualExecution.From(new Population(flow.Submission.Concat(sets)));
            var correct = flow.Submission.Zip(flow.Hidden).GroupBy(x => x.First.Content).ToDictionary(g => g.Key, g => g.First().Second.Passed);
            writer.WriteLine(JsonSerializer.Serialize(new
            {
                id = flow.Key.ProblemId,
                programCounts = m.ProgramCounts,
                testCounts = m.TestCounts,
                tests = m.Tests,
                correct = m.Programs.Select(p => correct[p]),
                outcomes = m.Outcomes,
            }));
        }
    }
}
