using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages;

[Collection("stages")]
public class ExplainTests(SandboxFixture sandbox)
{
    private const string Buggy = "def add(a, b):\n    return a - b";
    private const string Correct = "def add(a, b):\n    return a + b";
    private const string Crashing = "def add(a, b):\n    return a + c";

    private static StageFlow Flow(string items, string explainInputs = "model: coder, explanations_per_program: 2") =>
        new StageFlow().Seed(items).Then("execute", "Seidr.Execute", "tests: examples")
            .Then("explain", "Seidr.Explain", explainInputs).Probe("Done", "Empty", "Exhausted");

    // The rule answers only when the prompt shows the failing test as expected vs actual.
    private const string Script = """
        rules:
        - stage: explain
          contains: "Test: assert add(1, 2) == 3\nExpected: 3\nActual: -1"
          answers: ["It subtracts b; it must add a and b.", "Replace a - b by a + b."]
          on_exhausted: cycle
        - stage: explain
          contains: "NameError"
          answer: "The name c is not defined; use b."
        default:
          answer: "the prompt did not show the failing test"
        """;

    [Fact]
    public async Task Explains_each_failing_program_from_its_failed_tests_with_the_program_as_parent()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow($"{Buggy}\n---\n{Correct}"), Script);
        var output = run.At("done");
        var explanations = output.OfKind(CandidateKinds.Explanation).ToList();
        explanations.Select(e => e.Content.Trim()).Should().Equal("It subtracts b; it must add a and b.", "Replace a - b by a + b.");
        var buggy = output.Programs.Should().ContainSingle("only the failing program is passed on with its explanations").Subject;
        buggy.Content.Should().Contain("a - b");
        explanations.Should().OnlyContain(e => e.ParentId == buggy.Id && e.Stage == "explain" && e.Model == "coder" && e.Prompt == "explain");
        explanations.Select(e => e.Id).Should().Equal("explain#0.0.0", "explain#0.0.1");
        run.Flow.Calls.Should().Be(1);
        run.Flow.Programs.Should().Be(2, "explanations are not programs");
    }

    [Fact]
    public async Task An_error_is_shown_with_its_message()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(Crashing), Script);
        run.At("done").OfKind(CandidateKinds.Explanation).Select(e => e.Content.Trim()).Should().Equal("The name c is not defined; use b.", "The name c is not defined; use b.");
    }

    [Fact]
    public async Task With_no_failing_program_nothing_is_asked_and_the_input_goes_to_Empty()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(Correct), Script);
        run.Reached("done").Should().BeFalse();
        run.At("empty").Programs.Should().ContainSingle().Which.PassedAll.Should().BeTrue();
        run.Flow.Calls.Should().Be(0);
    }

    [Fact]
    public async Task Empty_model_answers_give_no_explanation_and_go_to_Empty()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(Buggy), "rules:\n- stage: explain\n  answer: \"   \"\n");
        run.Reached("done").Should().BeFalse();
        run.At("empty").Programs.Should().ContainSingle().Which.Content.Should().Contain("a - b");
        run.Flow.Calls.Should().Be(1, "the call was made and counted");
    }

    [Fact]
    public async Task A_call_limit_reached_mid_stage_explains_the_first_programs_only()
    {
        var other = "def add(a, b):\n    return a * b";
        var script = """
            rules:
            - {stage: explain, contains: "a - b", answer: "minus"}
            - {stage: explain, contains: "a * b", answer: "times"}
            """;
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow($"{Buggy}\n---\n{other}", "model: coder, explanations_per_program: 1"), script, budget: "calls: 1");
        var output = run.At("done");
        output.OfKind(CandidateKinds.Explanation).Select(e => e.Content.Trim()).Should().Equal("minus");
        output.Programs.Should().ContainSingle().Which.Content.Should().Contain("a - b");
        run.Flow.Calls.Should().Be(1);
        run.Flow.ExhaustedLimit.Should().BeNull("nothing was routed to an Exhausted port");
    }

    [Fact]
    public async Task A_spent_budget_routes_the_input_to_Exhausted_without_a_call()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(Buggy), Script, budget: "max_programs: 1");
        run.Reached("done").Should().BeFalse();
        run.At("exhausted").Programs.Should().ContainSingle();
        run.Flow.Calls.Should().Be(0);
        run.Flow.ExhaustedLimit.Should().Be("max_programs");
    }
}
