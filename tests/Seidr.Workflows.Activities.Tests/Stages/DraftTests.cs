using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// <c>Seidr.Draft</c> alone (src/Seidr.Workflows.Activities/Stages/Draft.cs, prompts/draft.yaml): a scripted model
/// answers, a probe reads each port. How the lexicon and sketch reach its prompt: <see cref="LexiconSketchTests"/>.
/// </summary>
[Collection("stages")]
public class DraftTests(SandboxFixture sandbox)
{
    private const string Sum = "```python\ndef add(a, b):\n    return a + b\n```";
    private const string Difference = "```python\ndef add(a, b):\n    return a - b\n```";
    private const string Product = "Here it is:\n```python\ndef add(a, b):\n    return a * b\n```\nIt multiplies.";

    private static string Script(params string[] answers) =>
        $"rules:\n- stage: draft\n  answers: [{string.Join(", ", answers.Select(StageFlow.Quote))}]\n  on_exhausted: cycle\n";

    private static StageFlow Draft(string inputs) => new StageFlow().Then("draft", "Seidr.Draft", inputs).Probe("Done", "Exhausted");

    [Fact]
    public async Task Asks_for_drafts_per_prompt_samples_in_one_call_and_makes_a_program_of_each_code_block()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Draft("model: coder, drafts_per_prompt: 3"), Script(Sum, Difference, Product));
        var programs = run.At("done").Programs;
        programs.Select(p => p.Content).Should().Equal(
            "def add(a, b):\n    return a + b\n", "def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a * b\n");
        programs.Select(p => p.Id).Should().Equal("draft#0.0", "draft#0.1", "draft#0.2");
        programs.Select(p => p.Tags["sample"]).Should().Equal("0", "1", "2");
        programs.Should().OnlyContain(p => p.Stage == "draft" && p.Model == "coder" && p.Prompt == "draft" && p.Generation == 0 && p.Tags["language"] == "python");
        run.Flow.Calls.Should().Be(1);
        run.Flow.Samples.Should().Be(3);
        run.Flow.Programs.Should().Be(3);
        run.Flow.Measures["code_samples"].Should().Be(3);
    }

    [Fact]
    public async Task Completion_output_appends_the_answer_to_the_problem_prompt_and_cuts_it_at_a_stop_string()
    {
        const string completion = "    return a + b\n\ndef unused():\n    pass\n";
        var run = await StageHarness.RunAsync(sandbox.Runner, Draft("model: coder, drafts_per_prompt: 1, output: completion"), Script(completion));
        run.At("done").Programs.Should().ContainSingle().Which.Content.Should().Be(StageHarness.AddProblem.Prompt + "    return a + b\n");
    }

    [Fact]
    public async Task A_blank_answer_is_a_program_that_fails_and_nothing_is_dropped()
    {
        var flow = new StageFlow()
            .Then("draft", "Seidr.Draft", "model: coder, drafts_per_prompt: 2")
            .Then("execute", "Seidr.Execute", "tests: examples").Probe("Done");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, Script(Sum, "  \n"));
        var programs = run.At("done").Programs;
        programs.Should().HaveCount(2, "the blank answer is a sample the model gave: pass@k counts it");
        programs.Single(p => p.Content.Trim().Length == 0).PassedAll.Should().BeFalse("a blank program fails its tests");
        run.Flow.Programs.Should().Be(2);
        run.Flow.Measures.Should().NotContainKey("dropped_answers", "nothing was dropped, so the flow reports what it did before the rule");
    }

    [Fact]
    public async Task A_sample_the_model_failed_makes_no_program_and_the_flow_counts_it_as_failed_not_dropped()
    {
        using var model = new ChatServer(Sum, null, Difference);
        var run = await StageHarness.RunAsync(sandbox.Runner, Draft("model: coder, drafts_per_prompt: 3"), "rules: []", coder: model.Model);
        run.At("done").Programs.Select(p => p.Tags["sample"]).Should().Equal("0", "2");
        run.Flow.Status.Should().Be(FlowStatus.Completed, "a lost sample is the model's failure, not the flow's");
        run.Flow.FailedSamples.Should().Be(1);
        run.Flow.ModelError.Should().Contain("sample 1 is rejected");
        run.Flow.Programs.Should().Be(2);
        run.Flow.Measures["code_samples"].Should().Be(3, "three were asked for");
        run.Flow.Measures.Should().NotContainKey("dropped_answers", "an answer never given is not an answer dropped");
    }

    [Fact]
    public async Task The_program_budget_caps_the_samples_asked_for()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Draft("model: coder, drafts_per_prompt: 3"), Script(Sum, Difference, Product), budget: "max_programs: 2");
        run.At("done").Programs.Should().HaveCount(2);
        run.Flow.Samples.Should().Be(2, "only the programs the budget has left are asked for");
        run.Flow.Measures["code_samples"].Should().Be(2);
    }

    [Fact]
    public async Task Later_iterations_ask_for_later_samples_and_a_spent_budget_routes_the_input_to_Exhausted()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, DraftLoop("keep_programs: false"), Script(Sum, Difference), budget: "max_programs: 4");
        var programs = run.At("exhausted").Programs;
        programs.Select(p => p.Tags["sample"]).Should().Equal(["2", "3"], "iteration 1 asks for samples 2 and 3 (sample_offset + iteration x n)");
        programs.Select(p => p.Id).Should().Equal("draft#1.2", "draft#1.3");
        run.Reached("done").Should().BeFalse();
        run.Flow.Calls.Should().Be(2, "the third iteration found the budget spent and made no call");
        run.Flow.ExhaustedLimit.Should().Be("max_programs");
    }

    [Fact]
    public async Task Keep_programs_grows_the_pool_and_sample_offset_shifts_every_sample()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, DraftLoop("keep_programs: true, sample_offset: 10"), Script(Sum, Difference), budget: "max_programs: 4");
        run.At("exhausted").Programs.Select(p => p.Tags["sample"]).Should().Equal("10", "11", "12", "13");
    }

    [Fact]
    public async Task Other_candidates_pass_along_and_the_input_programs_do_not()
    {
        var flow = new StageFlow()
            .Seed("def add(a, b):\n    return 0")
            .SeedOf(CandidateKinds.Lexicon, "Names: a, b")
            .Then("draft", "Seidr.Draft", "model: coder, drafts_per_prompt: 1").Probe("Done");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, Script(Sum));
        var output = run.At("done");
        output.Programs.Should().ContainSingle().Which.Stage.Should().Be("draft", "without keep_programs the seeded program is not passed on");
        output.OfKind(CandidateKinds.Lexicon).Should().ContainSingle().Which.Content.Should().Be("Names: a, b\n");
    }

    /// <summary>Draft feeding itself two samples per iteration until the program budget is spent.</summary>
    private static StageFlow DraftLoop(string inputs) =>
        new StageFlow().Then("draft", "Seidr.Draft", $"model: coder, drafts_per_prompt: 2, {inputs}").Probe("Exhausted").Loop("Done");
}
