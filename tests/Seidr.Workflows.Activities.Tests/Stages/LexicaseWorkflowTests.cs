using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// A workflow in which lexicase selection and score ranking keep different programs: four programs run (in the
/// sandbox) on four tests; one passes two tests, two others pass one test each that nobody else passes. Score ranking
/// always keeps the one with two; lexicase keeps a specialist whenever the shuffled order starts with its test.
/// </summary>
[Collection("stages")]
public class LexicaseWorkflowTests(SandboxFixture sandbox)
{
    private static readonly Problem Pick = new()
    {
        Id = "Test/pick",
        Dataset = "test",
        Prompt = "def f(x):\n    \"\"\"Return x.\"\"\"\n",
        EntryPoint = "f",
        Visible = [new AssertTest("assert f(0) == 0"), new AssertTest("assert f(1) == 1"), new AssertTest("assert f(2) == 2"), new AssertTest("assert f(3) == 3")],
        Hidden = [new AssertTest("assert f(5) == 5")],
    };

    private const string Generalist = "def f(x):\n    return x if x < 2 else -1";
    private const string Two = "def f(x):\n    return 2";
    private const string Three = "def f(x):\n    return 3";
    private const string Nothing = "def f(x):\n    return -1";

    private static readonly string Flow = $$"""
        activities:
        - id: seed
          type: Test.Seed
          inputs:
            items: "{{string.Join("\n---\n", Nothing, Two, Generalist, Three).Replace("\n", "\\n")}}"
        - id: execute
          type: Seidr.Execute
          inputs: {tests: examples}
        - id: rank
          type: Seidr.Rank
          inputs: {beam_width: 1, strategy: "${ranking}", keep_parents: false}
        - id: submit
          type: Seidr.Submit
        connections:
        - seed.Done -> execute
        - execute.Done -> rank
        - rank.Beam -> submit
        - rank.Exhausted -> submit
        - rank.Solved -> submit
        """;

    [Fact]
    public async Task Lexicase_keeps_specialists_that_score_ranking_never_keeps()
    {
        // Eight runs per strategy (the rep axis only changes the variant id, which seeds each flow's random source).
        const string matrix = "  matrix:\n    ranking: [score, lexicase]\n    rep: [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\"]";
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow, "rules: []", Pick, matrix: matrix);
        run.Result.Variants.Should().HaveCount(16);
        var kept = run.Result.Variants.ToDictionary(v => v.Variant.Id, v => v.Flows.Single().Submission.Single());
        foreach (var (variant, program) in kept)
            program.Results.Should().HaveCount(4, $"{variant}: every program ran the four examples");

        var byScore = kept.Where(kv => kv.Key.StartsWith("ranking=score", StringComparison.Ordinal)).Select(kv => kv.Value.Content.TrimEnd()).ToList();
        var byLexicase = kept.Where(kv => kv.Key.StartsWith("ranking=lexicase", StringComparison.Ordinal)).Select(kv => kv.Value.Content.TrimEnd()).ToList();
        byScore.Should().HaveCount(8).And.OnlyContain(c => c == Generalist, "score ranking keeps the highest share passed (2 of 4)");
        byLexicase.Should().HaveCount(8).And.NotContain(Nothing, "a program that passes nothing another does not is never kept");
        byLexicase.Should().Contain(c => c == Two || c == Three, "lexicase keeps a specialist when its test comes first (1/2 of the orders)");
        byLexicase.Should().Contain(Generalist, "and the generalist when one of its two tests comes first (the other 1/2)");
        kept.Values.Where(p => p.Content.TrimEnd() != Generalist).Should().OnlyContain(p => p.Score == 0.25);
    }
}
