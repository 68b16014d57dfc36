using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// The run's verdicts (syntax checks of generated tests, Execute's reused reports) live in a per-run service: two runs
/// in one process, on one sandbox runner, never share an entry, and each run's entries are released when it ends.
/// </summary>
[Collection("stages")]
public class RunVerdictsTests(SandboxFixture sandbox)
{
    private const string Flow = """
        activities:
        - {id: tests, type: Seidr.GenerateTests, inputs: {model: coder, samples: 1}}
        - {id: draft, type: Seidr.Draft, inputs: {model: coder, drafts_per_prompt: 2}}
        - {id: execute, type: Seidr.Execute, inputs: {tests: generated, reuse_results: true}}
        - {id: done, type: Test.Probe}
        connections:
        - tests.Done -> draft
        - draft.Done -> execute
        - execute.Done -> done
        """;

    private const string Script = """
        rules:
        - {stage: tests, answer: "```python\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n```"}
        - stage: draft
          answers:
          - "```python\ndef add(a, b):\n    return a + b\n```"
          - "```python\ndef add(a, b):\n    return a - b\n```"
        """;

    [Fact]
    public async Task Two_runs_in_one_process_share_no_verdicts_and_each_releases_its_own()
    {
        var before = sandbox.Runner.Executed;
        var first = await StageHarness.RunAsync(sandbox.Runner, Flow, Script);
        var afterFirst = sandbox.Runner.Executed;
        var second = await StageHarness.RunAsync(sandbox.Runner, Flow, Script);
        var afterSecond = sandbox.Runner.Executed;

        first.At("done").Programs.Should().HaveCount(2).And.Contain(p => p.PassedAll);
        second.At("done").Programs.Select(p => p.Score).Should().Equal(first.At("done").Programs.Select(p => p.Score));
        (afterFirst - before).Should().BeGreaterThan(0);
        (afterSecond - afterFirst).Should().Be(afterFirst - before, "the second run ran every program itself: nothing of the first run reached it");
        first.VerdictsHeld.Should().Be(3, "the run held one syntax check and two test reports");
        second.VerdictsHeld.Should().Be(3, "its own, not added to the first run's");
        second.Verdicts.Should().NotBeSameAs(first.Verdicts);
        first.Verdicts.Count.Should().Be(0, "the entries went with their run");
        second.Verdicts.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_run_without_the_service_fails_the_flow_naming_it()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow, Script, withVerdicts: false);
        run.Flow.Status.Should().Be(FlowStatus.Failed);
        run.Flow.Error.Should().Contain("RunVerdicts");
    }
}
