using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// The one rule for blank answers (Support/Answers), stage by stage: a blank answer becomes a program that fails where
/// programs are made (Draft: <see cref="DraftTests"/>), and elsewhere becomes no candidate but is counted in the flow's
/// <c>dropped_answers</c> measure, as is any other answer a stage cannot use. A flow that drops nothing has no such measure.
/// </summary>
[Collection("stages")]
public class BlankAnswerTests(SandboxFixture sandbox)
{
    private const string Dropped = "dropped_answers";
    private const string Buggy = "def add(a, b):\n    return a - b";
    private const string Right = "```python\ndef add(a, b):\n    return a + b\n```";

    [Fact]
    public async Task Repair_drops_blank_and_unparseable_answers_and_counts_them()
    {
        var flow = Explain("model: coder, explanations_per_program: 1")
            .Then("repair", "Seidr.Repair", "model: coder, repairs_per_explanation: 3").Probe("Done", "Empty");
        var script = $"rules:\n- {{stage: explain, answer: \"Use + instead of -.\"}}\n- stage: repair\n  answers: [{StageFlow.Quote(Right)}, \"\", \"I am not sure.\"]\n";
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, script);
        run.At("done").Programs.Should().ContainSingle().Which.Content.Should().Contain("a + b");
        run.Flow.Measures[Dropped].Should().Be(2, "the blank answer and the prose answer made no program");
    }

    [Fact]
    public async Task Explain_drops_blank_answers_and_counts_them()
    {
        var flow = Explain("model: coder, explanations_per_program: 3").Probe("Done", "Empty");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules:\n- stage: explain\n  answers: [\"Use + instead of -.\", \" \", \"\"]\n");
        run.At("done").OfKind(CandidateKinds.Explanation).Should().ContainSingle().Which.Content.Should().Be("Use + instead of -.");
        run.Flow.Measures[Dropped].Should().Be(2);
    }

    [Fact]
    public async Task Explain_with_only_blank_answers_goes_to_Empty_and_counts_them()
    {
        var flow = Explain("model: coder, explanations_per_program: 2").Probe("Done", "Empty");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules:\n- stage: explain\n  answers: [\"\", \"\\n\"]\n");
        run.Reached("done").Should().BeFalse();
        run.At("empty").Programs.Should().ContainSingle();
        run.Flow.Measures[Dropped].Should().Be(2);
    }

    [Fact]
    public async Task Lexicon_and_sketch_drop_blank_answers_and_count_them()
    {
        var flow = StageFlow.LexiconSketch(sketchInputs: "model: coder, samples: 3");
        var blankLexicon = await StageHarness.RunAsync(sandbox.Runner, flow, "rules:\n- {stage: lexicon, answer: \"  \"}\n");
        blankLexicon.At("lexicon_empty").Should().BeEmpty();
        blankLexicon.Flow.Measures[Dropped].Should().Be(1);

        var script = "rules:\n- {stage: lexicon, answer: \"Names: a, b\"}\n- stage: sketch\n  answers: [\"\", \"1. Return a plus b.\", \"\\t\"]\n";
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, script);
        run.At("done").OfKind(CandidateKinds.Sketch).Should().ContainSingle().Which.Content.Should().Be("1. Return a plus b.\n");
        run.Flow.Measures[Dropped].Should().Be(2, "the sketch's two blank answers; the lexicon's answer was used");
    }

    [Fact]
    public async Task GenerateTests_makes_no_set_of_a_blank_or_testless_answer_and_counts_it()
    {
        var flow = new StageFlow().Then("tests", "Seidr.GenerateTests", "model: coder, samples: 3").Probe("Done");
        var script = "rules:\n- stage: tests\n  answers: [\"```python\\nassert add(1, 2) == 3\\n```\", \"\", \"No tests from me.\"]\n";
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, script);
        run.At("done").OfKind(CandidateKinds.TestSet).Should().ContainSingle().Which.Tags["sample"].Should().Be("0");
        run.Flow.Measures[Dropped].Should().Be(2, "the blank answer and the answer without a test made no set");
    }

    /// <summary>A failing program, run on the examples and handed to Explain.</summary>
    private static StageFlow Explain(string inputs) =>
        new StageFlow().Seed(Buggy).Then("execute", "Seidr.Execute", "tests: examples").Then("explain", "Seidr.Explain", inputs);
}
