using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages;

[Collection("stages")]
public class RepairTests(SandboxFixture sandbox)
{
    private const string Buggy = "def add(a, b):\n    return a - b";

    private static StageFlow Flow(string repairInputs = "model: coder, repairs_per_explanation: 2", string explanations = "2", string items = Buggy) =>
        new StageFlow().Seed(items).Then("execute", "Seidr.Execute", "tests: examples")
            .Then("explain", "Seidr.Explain", $"model: coder, explanations_per_program: {explanations}")
            .Then("repair", "Seidr.Repair", repairInputs).Probe("Empty", "Exhausted")
            .Then("rerun", "Seidr.Execute", "tests: examples").ProbeAs("Done", "done");

    private const string Script = """
        rules:
        - {stage: explain, answers: ["Use + instead of -.", "It should add."], on_exhausted: cycle}
        - stage: repair
          contains: "Use + instead of -."
          answers:
          - "```python\ndef add(a, b):\n    return a + b\n```"
          - "Here you go:\n```python\ndef add(a, b):\n    return b + a\n```"
        - stage: repair
          contains: "It should add."
          answers:
          - "I am not sure what to change."
          - ""
        """;

    [Fact]
    public async Task Repairs_are_programs_whose_parent_is_the_explanation_one_generation_later()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(), Script);
        var repairs = run.At("done").Programs;
        repairs.Select(r => r.Content).Should().Equal("def add(a, b):\n    return a + b\n", "def add(a, b):\n    return b + a\n");
        repairs.Should().OnlyContain(r => r.PassedAll && r.Generation == 1 && r.Stage == "repair");
        var explanations = run.Events.OfType<CandidateCreated>().Select(e => e.Candidate).Where(c => c.Kind == CandidateKinds.Explanation).ToList();
        var first = explanations.Single(e => e.Content.StartsWith("Use +"));
        repairs.Should().OnlyContain(r => r.ParentId == first.Id);
        repairs[0].Tags["repairs"].Should().Be(first.ParentId, "the tag names the repaired program");
        repairs.Select(r => r.Id).Should().Equal("repair#0.0.0", "repair#0.0.1");
        run.Flow.Programs.Should().Be(3, "the draft and two parseable repairs; prose and empty answers are dropped");
        run.Flow.Calls.Should().Be(3, "one explain call, one repair call per explanation");
    }

    [Fact]
    public async Task Unparseable_and_empty_repairs_alone_go_to_Empty_with_the_programs()
    {
        var script = Script.Replace("answers: [\"Use + instead of -.\", \"It should add.\"]", "answers: [\"It should add.\"]");
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(), script);
        run.Reached("done").Should().BeFalse();
        run.At("empty").Programs.Should().ContainSingle().Which.Content.Should().Contain("a - b");
        run.At("empty").OfKind(CandidateKinds.Explanation).Should().BeEmpty("explanations are not passed on");
    }

    [Fact]
    public async Task Without_explanations_nothing_is_asked()
    {
        var flow = new StageFlow().Seed(Buggy).Then("repair", "Seidr.Repair", "model: coder").Probe("Done", "Empty");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, Script);
        run.At("empty").Programs.Should().ContainSingle();
        run.Flow.Calls.Should().Be(0);
    }

    [Fact]
    public async Task The_program_budget_is_shared_in_explanation_order_when_it_runs_out_mid_stage()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(), Script, budget: "max_programs: 2");
        var repairs = run.At("done").Programs;
        repairs.Should().ContainSingle().Which.Content.Should().Contain("a + b");
        run.Flow.Programs.Should().Be(2);
        run.Flow.Calls.Should().Be(2, "the second explanation had no program left, so it was not asked for");
    }

    [Fact]
    public async Task A_spent_budget_routes_the_programs_to_Exhausted()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow(), Script, budget: "calls: 1");
        run.Reached("done").Should().BeFalse();
        run.At("exhausted").Programs.Should().ContainSingle().Which.Content.Should().Contain("a - b");
        run.Flow.ExhaustedLimit.Should().Be("calls");
    }

    [Theory]
    [InlineData("def add(a, b):\n    return a + b\n", "add", true)]
    [InlineData("I cannot fix this.\n", "add", false)]
    [InlineData("def other(a, b):\n    return a + b\n", "add", false)]
    [InlineData("   \n", null, false)]
    [InlineData("print(input())\n", null, true)]
    public void A_repair_must_define_the_entry_point(string code, string? entryPoint, bool expected)
    {
        Activities.Stages.Repair.IsProgram(code, entryPoint).Should().Be(expected);
    }
}
