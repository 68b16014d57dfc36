using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// Code and tests drawn in rounds until they align (workflows/cogen.yaml's loop) on a small problem with scripted
/// answers: the pool grows, each program-test pair keeps its verdict, the criteria stop the loop, and the judge
/// measures the generated tests with the reference solution.
/// </summary>
[Collection("stages")]
public class CoGenerationTests(SandboxFixture sandbox)
{
    private static readonly Problem Add = StageHarness.AddProblem with { CanonicalSolution = "    return a + b\n" };

    // Round 1: two wrong programs, tests they both fail. Round 2: the right program twice, and a test set with one
    // wrong expected value (add(3, 3) == 7), which the reference solution fails.
    private const string Script = """
        rules:
        - stage: draft
          answers:
          - "```python\ndef add(a, b):\n    return a - b\n```"
          - "```python\ndef add(a, b):\n    return a * b\n```"
          - "```python\ndef add(a, b):\n    return a + b\n```"
          - "```python\ndef add(a, b):\n    return a + b\n```"
        - stage: tests
          answers:
          - "```python\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n```"
          - "```python\nassert add(1, 1) == 2\n```"
          - "```python\nassert add(0, 5) == 5\nassert add(3, 3) == 7\n```"
          - "```python\nassert add(4, 1) == 5\n```"
        """;

    private static string Workflow(string mode) => """
        activities:
        - {id: tests, type: Seidr.GenerateTests, inputs: {model: coder, samples: 2}}
        - {id: draft, type: Seidr.Draft, inputs: {model: coder, drafts_per_prompt: 2, keep_programs: true}}
        - {id: execute, type: Seidr.Execute, inputs: {tests: generated, incremental: true}}
        - {id: align, type: Seidr.AlignCheck, inputs: {mode: MODE, share: 0.8, min_programs: 2, min_tests: 3}}
        - {id: rank, type: Seidr.Rank, inputs: {strategy: codet, beam_width: 1, keep_parents: false}}
        - {id: submit, type: Seidr.Submit}
        connections:
        - tests.Done -> draft
        - draft.Done -> execute
        - execute.Done -> align
        - align.Aligned -> submit
        - align.Misaligned -> tests
        - align.Exhausted -> rank
        - rank.Beam -> submit
        - rank.Solved -> submit
        - rank.Exhausted -> submit
        """.Replace("MODE", mode, StringComparison.Ordinal);

    [Theory]
    [InlineData("all")]
    [InlineData("consensus")]
    [InlineData("share")]
    public async Task Each_criterion_stops_the_rounds_when_the_right_programs_arrive(string mode)
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Workflow(mode), Script, Add, budget: "max_programs: 10");
        var flow = run.Flow;
        flow.Status.Should().Be(FlowStatus.Completed, flow.Error);
        flow.Flags["aligned"].Should().BeTrue();
        flow.Measures.Should().Contain(new Dictionary<string, double> { ["rounds"] = 2, ["rounds_to_alignment"] = 2, ["code_samples"] = 4, ["test_samples"] = 4 });
        flow.Submission.Select(p => p.Content).Should().OnlyContain(c => c.Contains("a + b")).And.HaveCount(2, "both samples of the aligned program are submitted");
        flow.Hidden.Should().OnlyContain(h => h.Passed);

        // Round 2's programs ran on all six distinct tests drawn so far; round 1's kept their round 1 verdicts and ran
        // only the new tests (every program carries a verdict for every test).
        var scored = run.Events.OfType<CandidateScored>().Where(e => e.Candidate.Kind == CandidateKinds.Program && e.Candidate.Id.StartsWith("draft#0.", StringComparison.Ordinal)).ToList();
        scored.Select(e => e.Candidate.Results.Length).Should().Equal(3, 3, 6, 6);
        flow.Submission[0].Results.Should().HaveCount(6);
        flow.Submission[0].Results.Count(r => r.Passed).Should().Be(5, "add(3, 3) == 7 is wrong");

        // The judge: 6 distinct tests, 5 valid; the submitted program passed 5 tests, all valid; both wrong programs fail a valid test.
        flow.TestQuality.Should().BeEquivalentTo(new TestQuality { Tests = 6, ValidTests = 5, SubmittedTests = 5, SubmittedInvalid = 0, WrongPrograms = 2, WrongCaught = 2 });
    }

    [Fact]
    public async Task Oneshot_draws_one_round_and_ranks_it()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Workflow("oneshot"), Script, Add, budget: "max_programs: 10");
        var flow = run.Flow;
        flow.Flags["aligned"].Should().BeFalse();
        flow.Measures.Should().Contain(new Dictionary<string, double> { ["rounds"] = 1, ["code_samples"] = 2, ["test_samples"] = 2 });
        flow.Measures.Should().NotContainKey("rounds_to_alignment");
        flow.Submission.Select(p => p.Content).Should().ContainSingle("CodeT's top set: the one program passing a test").Which.Should().Contain("a * b");
        flow.Hidden.Should().OnlyContain(h => !h.Passed);
        // add(2, 2) == 4 is right, and a * b passes it: the submitted test set is valid but too weak.
        flow.TestQuality.Should().BeEquivalentTo(new TestQuality { Tests = 3, ValidTests = 3, SubmittedTests = 1, SubmittedInvalid = 0, WrongPrograms = 2, WrongCaught = 2 });
    }

    [Fact]
    public async Task Without_alignment_the_budget_ends_the_rounds_and_the_stages_never_see_the_reference_solution()
    {
        // min_tests 6 is more than the pool ever has: the budget (4 programs) ends the loop after round 2.
        var workflow = Workflow("consensus").Replace("min_tests: 3", "min_tests: 6", StringComparison.Ordinal)
            .Replace("- {id: submit", "- {id: probe, type: Test.Probe}\n- {id: submit", StringComparison.Ordinal)
            .Replace("- tests.Done -> draft", "- tests.Done -> probe\n- probe.Done -> draft", StringComparison.Ordinal);
        var run = await StageHarness.RunAsync(sandbox.Runner, workflow, Script, Add, budget: "max_programs: 4");
        run.Flow.Flags["aligned"].Should().BeFalse();
        run.Flow.Measures["rounds"].Should().Be(2);
        run.Flow.Measures["code_samples"].Should().Be(4);
        run.Flow.Submission.Select(p => p.Content).Should().OnlyContain(c => c.Contains("a + b"), "CodeT's top set over the whole draw");
        run.Flow.Hidden.Should().OnlyContain(h => h.Passed);
        run.ProblemsSeen["probe"].CanonicalSolution.Should().BeNull("only the judge reads the reference solution");
        run.ProblemsSeen["probe"].Hidden.Should().BeEmpty();
    }
}
