using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages;

[Collection("stages")]
public class LexiconSketchTests(SandboxFixture sandbox)
{
    private static readonly string Flow = StageFlow.LexiconSketch(draftInputs: "model: coder, drafts_per_prompt: 1");

    // Each answer depends on what the prompt shows: the sketch sees the lexicon, the draft sees both.
    private const string Script = """
        rules:
        - {stage: lexicon, contains: "def add(a, b)", answer: "Names: a: int - first addend"}
        - {stage: sketch, contains: "Names: a: int - first addend", answer: "1. Return a plus b."}
        - stage: draft
          regex: "(?s)Names: a: int.*Follow this plan:\n1. Return a plus b."
          answer: "```python\ndef add(a, b):\n    return a + b\n```"
        default:
          answer: "```python\ndef add(a, b):\n    return 0\n```"
        """;

    [Fact]
    public async Task The_lexicon_reaches_the_sketch_and_both_reach_the_draft_prompt()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow, Script);
        var output = run.At("done");
        var lexicon = output.OfKind(CandidateKinds.Lexicon).Should().ContainSingle().Subject;
        lexicon.Content.Should().Be("Names: a: int - first addend\n");
        var sketch = output.OfKind(CandidateKinds.Sketch).Should().ContainSingle().Subject;
        sketch.Content.Should().Be("1. Return a plus b.\n");
        sketch.ParentId.Should().Be(lexicon.Id, "the sketch was written from the lexicon");
        output.Programs.Should().ContainSingle().Which.Content.Should().Contain("return a + b", "the draft followed the sketch");
        run.Flow.Calls.Should().Be(3);
    }

    [Fact]
    public async Task An_empty_lexicon_answer_goes_to_Empty_with_the_input()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow, "rules:\n- {stage: lexicon, answer: \"\"}\n");
        run.At("lexicon_empty").Should().BeEmpty();
        run.Reached("done").Should().BeFalse();
        run.Flow.Calls.Should().Be(1);
    }

    [Fact]
    public async Task An_empty_sketch_answer_keeps_the_lexicon()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow, "rules:\n- {stage: lexicon, answer: \"Names: x\"}\n- {stage: sketch, answer: \" \"}\n");
        run.At("sketch_empty").OfKind(CandidateKinds.Lexicon).Should().ContainSingle();
        run.At("sketch_empty").OfKind(CandidateKinds.Sketch).Should().BeEmpty();
    }

    [Fact]
    public async Task Disabled_stages_pass_the_input_through_and_the_draft_has_neither()
    {
        var flow = StageFlow.LexiconSketch("model: coder, enabled: false", "model: coder, enabled: false", "model: coder, drafts_per_prompt: 1");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, Script);
        run.At("done").Programs.Should().ContainSingle().Which.Content.Should().Contain("return 0", "the default answer: no lexicon or sketch in the prompt");
        run.Flow.Calls.Should().Be(1);
    }

    [Fact]
    public async Task A_spent_budget_skips_the_sketch_and_keeps_the_lexicon()
    {
        var flow = StageFlow.LexiconSketch(draftInputs: "model: coder, drafts_per_prompt: 1").Connect("sketch.Exhausted", "sketch_empty");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, Script, budget: "calls: 1");
        run.At("sketch_empty").OfKind(CandidateKinds.Lexicon).Should().ContainSingle();
        run.Reached("done").Should().BeFalse();
        run.Flow.Calls.Should().Be(1);
        run.Flow.ExhaustedLimit.Should().Be("calls");
    }
}
