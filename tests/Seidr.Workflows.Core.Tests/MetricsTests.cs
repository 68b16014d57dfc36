using System.Collections.Immutable;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Core.Tests;

/// <summary>How a variant's metrics summarise its flows' measures and the judge's test-quality figures.</summary>
public class MetricsTests
{
    private static FlowResult Flow(string problem, bool aligned, bool correct, TestQuality quality, params (string Name, double Value)[] measures)
    {
        var program = new Candidate { Id = $"p-{problem}", Kind = CandidateKinds.Program, Content = "x", Stage = "draft" };
        return new FlowResult
        {
            Key = new FlowKey("v", problem),
            Status = FlowStatus.Completed,
            Submission = [program],
            Hidden = [new HiddenVerdict(program.Id, correct, correct ? "passed" : "failed")],
            Flags = ImmutableSortedDictionary<string, bool>.Empty.Add("aligned", aligned),
            Measures = measures.ToImmutableSortedDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal),
            TestQuality = quality,
        };
    }

    [Fact]
    public void Measures_are_averaged_with_their_distribution_and_test_quality_is_pooled()
    {
        var flows = new[]
        {
            // Aligned and right.
            Flow("a", aligned: true, correct: true, new TestQuality { Tests = 10, ValidTests = 8, SubmittedTests = 4, SubmittedInvalid = 0, WrongPrograms = 3, WrongCaught = 3 },
                ("rounds", 1), ("rounds_to_alignment", 1), ("code_samples", 5)),
            // Aligned and wrong: it passed a test the reference fails (the tests were wrong).
            Flow("b", aligned: true, correct: false, new TestQuality { Tests = 20, ValidTests = 10, SubmittedTests = 5, SubmittedInvalid = 2, WrongPrograms = 5, WrongCaught = 1 },
                ("rounds", 3), ("rounds_to_alignment", 3), ("code_samples", 15)),
            // Aligned and wrong on valid tests only (the tests were too weak).
            Flow("c", aligned: true, correct: false, new TestQuality { Tests = 10, ValidTests = 2, SubmittedTests = 2, SubmittedInvalid = 0, WrongPrograms = 2, WrongCaught = 0 },
                ("rounds", 2), ("rounds_to_alignment", 2), ("code_samples", 10)),
            // Never aligned: no rounds_to_alignment; wrong, but not an agreed-wrong case.
            Flow("d", aligned: false, correct: false, new TestQuality { Tests = 0, ValidTests = 0, WrongPrograms = 0, WrongCaught = 0 },
                ("rounds", 20), ("code_samples", 100)),
        };
        var m = Metrics.Compute(flows, [1]);

        m["rounds"].Should().Be(6.5);
        m["rounds_p50"].Should().Be(2.5);
        m["rounds_max"].Should().Be(20);
        m["rounds_to_alignment"].Should().Be(2, "averaged over the flows that aligned");
        m["code_samples"].Should().Be(32.5);
        m["code_samples_p90"].Should().BeApproximately(74.5, 1e-9, "between the 3rd (15) and 4th (100) values");

        m["valid_tests"].Should().Be(20.0 / 40, "pooled over the distinct tests of all flows");
        m["valid_test_set"].Should().Be(2.0 / 4, "a and c submitted a non-empty, all-valid test set");
        m["wrong_caught"].Should().Be(4.0 / 10);
        m["false_aligned"].Should().Be(2.0 / 4);
        m["agreed_wrong_tests_wrong"].Should().Be(1.0 / 4);
        m["agreed_wrong_tests_weak"].Should().Be(1.0 / 4);
        (m["agreed_wrong_tests_wrong"] + m["agreed_wrong_tests_weak"]).Should().Be(m["false_aligned"]);
    }
}
