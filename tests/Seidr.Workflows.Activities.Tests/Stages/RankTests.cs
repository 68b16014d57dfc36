using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// <c>Seidr.Rank</c> alone (src/Seidr.Workflows.Activities/Stages/Rank.cs) on seeded programs that Execute scored in
/// the real sandbox. Its helpers' own tests (lexicase shares, CodeT's rules, behaviour clusters) are in
/// <c>Ranking/</c>; CodeT's workflow on the recorded pools in <c>CodeT/</c>.
/// </summary>
[Collection("stages")]
public class RankTests(SandboxFixture sandbox)
{
    // On StageHarness.AddProblem's examples, add(1, 2) == 3 and add(-1, 1) == 0.
    private const string Right = "def add(a, b):\n    return a + b";
    private const string Half = "def add(a, b):\n    return 3";
    private const string HalfLonger = "def add(a, b):\n    return 3  # the first example";
    private const string Nothing = "def add(a, b):\n    return -5";
    private const string Buggy = "def add(a, b):\n    return a - b";
    private const string Swapped = "def add(a, b):\n    return b + a";

    private static StageFlow Rank(string inputs, params string[] programs) =>
        new StageFlow().Seed(programs).Then("execute", "Seidr.Execute", "tests: examples")
            .Then("rank", "Seidr.Rank", inputs).Probe("Beam", "Solved", "Exhausted");

    private static string Contents(Population population) => string.Join(" | ", population.Programs.Select(p => p.Content.Split('\n')[1].Trim()));

    [Fact]
    public async Task Score_keeps_the_beam_width_best_and_breaks_a_tie_by_the_shorter_program()
    {
        var flow = new StageFlow().Seed(Nothing, HalfLonger, Half).SeedOf(CandidateKinds.Explanation, "a note")
            .Then("execute", "Seidr.Execute", "tests: examples")
            .Then("rank", "Seidr.Rank", "beam_width: 2").Probe("Beam", "Solved", "Exhausted");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules: []");
        var beam = run.At("beam");
        Contents(beam).Should().Be("return 3 | return 3  # the first example", "equal scores: the shorter first; the program that passes nothing is cut");
        beam.OfKind(CandidateKinds.Explanation).Should().ContainSingle("the other candidates are passed along");
        run.Reached("solved").Should().BeFalse();
    }

    [Fact]
    public void Score_order_breaks_ties_by_fewer_repair_generations_then_shorter_text_then_id()
    {
        static Candidate P(string id, double score, int generation, string content) =>
            new() { Id = id, Kind = CandidateKinds.Program, Content = content, Stage = "seed", Score = score, Generation = generation };
        var programs = new[]
        {
            P("repair#0.9", 0.5, 1, "x"),
            P("seed#0.3", 0.5, 0, "xx"),
            P("seed#0.2", 0.5, 0, "yy"),
            P("seed#0.1", 0.5, 0, "longer"),
            P("seed#0.8", 1.0, 2, "best"),
        };
        ScoreOrder.BestFirst(programs).Select(p => p.Id).Should().Equal("seed#0.8", "seed#0.2", "seed#0.3", "seed#0.1", "repair#0.9");
    }

    [Fact]
    public async Task Programs_that_pass_every_test_go_to_Solved_best_first_and_the_others_are_dropped()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Rank("beam_width: 1", Half, Right + "  # also right", Right), "rules: []");
        Contents(run.At("solved")).Should().Be("return a + b | return a + b  # also right", "every solved program, shorter first, whatever beam_width");
        run.Reached("beam").Should().BeFalse();
    }

    [Theory]
    [InlineData(true, "return 3")]
    [InlineData(false, "return -5")]
    public async Task Keep_parents_ranks_the_previous_beam_with_the_new_programs(bool keepParents, string kept)
    {
        // Iteration 0 keeps the seeded program; Draft writes a worse child; iteration 1 ranks the child (and, with
        // keep_parents, its parent) and, the program budget spent, routes the beam to Exhausted.
        var flow = new StageFlow().Seed(Half).Then("execute", "Seidr.Execute", "tests: examples")
            .Then("rank", "Seidr.Rank", $"beam_width: 1, keep_parents: {(keepParents ? "true" : "false")}").Probe("Exhausted", "Solved")
            .Then("draft", "Seidr.Draft", "model: coder, drafts_per_prompt: 1", from: "Beam")
            .Connect("draft.Done", "execute");
        var script = $"rules:\n- {{stage: draft, answer: {StageFlow.Quote("```python\n" + Nothing + "\n```")}}}\n";
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, script, budget: "max_programs: 2");
        Contents(run.At("exhausted")).Should().Be(kept);
        run.Flow.Calls.Should().Be(1);
    }

    [Fact]
    public async Task A_spent_budget_routes_the_beam_to_Exhausted()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Rank("beam_width: 1", Nothing, Half), "rules: []", budget: "max_programs: 2");
        Contents(run.At("exhausted")).Should().Be("return 3");
        run.Reached("beam").Should().BeFalse();
    }

    [Fact]
    public async Task CodeT_keeps_the_consensus_set_with_the_best_tests_passed_times_root_of_its_size()
    {
        // Generated tests: two of add(a, b) == a + b, and one wrong test that only a - b passes. {a + b, b + a} pass
        // two tests (2 x sqrt 2, CodeT's released rule); {a - b} passes one (1 x sqrt 1).
        var flow = new StageFlow().Seed(Buggy, Right, Swapped)
            .SeedOf(CandidateKinds.TestSet, "assert add(1, 2) == 3\nassert add(2, 2) == 4\nassert add(1, 1) == 0")
            .Then("execute", "Seidr.Execute", "tests: generated")
            .Then("rank", "Seidr.Rank", "strategy: codet, beam_width: 1").Probe("Beam", "Solved", "Exhausted");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules: []");
        var beam = run.At("beam");
        Contents(beam).Should().Be("return a + b | return b + a", "the kept group's every sample, in pool order");
        beam.Programs.Should().OnlyContain(p => p.Tags["group"] == "0" && p.Tags["group_score"] == (2 * Math.Sqrt(2)).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        beam.OfKind(CandidateKinds.TestSet).Should().ContainSingle();
        run.Flow.Flags["codet_fallback"].Should().BeFalse();
    }

    [Fact]
    public async Task Random_keeps_the_whole_pool_as_one_group_in_the_flows_random_order_on_Beam()
    {
        string[] pool = [Right, Buggy, Swapped, Half, HalfLonger, Nothing];
        var run = await StageHarness.RunAsync(sandbox.Runner, Rank("strategy: random, beam_width: 1", pool), "rules: []");
        var kept = run.At("beam").Programs;
        kept.Should().HaveCount(pool.Length).And.OnlyContain(p => p.Tags["group"] == "0");
        kept.Select(p => p.Content.TrimEnd()).Should().BeEquivalentTo(pool).And.NotEqual(pool, "shuffled by the flow's seeded random source");
        run.Flow.Flags.Should().NotContainKey("random_fallback");
        run.Reached("solved").Should().BeFalse("the group holds programs that fail");
    }

    // Lexicase against score ranking: four programs run on four tests; one passes two, two others pass one each that
    // nobody else passes. Score ranking always keeps the one with two; lexicase keeps a specialist whenever the
    // shuffled order starts with its test.
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
    private const string None = "def f(x):\n    return -1";

    [Fact]
    public async Task Lexicase_keeps_specialists_that_score_ranking_never_keeps()
    {
        // Eight runs per strategy (the rep axis only changes the variant id, which seeds each flow's random source).
        var flow = new StageFlow().Seed(None, Two, Generalist, Three).Then("execute", "Seidr.Execute", "tests: examples")
            .Then("rank", "Seidr.Rank", "beam_width: 1, strategy: \"${ranking}\", keep_parents: false")
            .Then("submit", "Seidr.Submit", from: "Beam").Connect("rank.Exhausted", "submit").Connect("rank.Solved", "submit");
        const string matrix = "  matrix:\n    ranking: [score, lexicase]\n    rep: [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\"]";
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules: []", Pick, matrix: matrix);
        run.Result.Variants.Should().HaveCount(16);
        var kept = run.Result.Variants.ToDictionary(v => v.Variant.Id, v => v.Flows.Single().Submission.Single());
        foreach (var (variant, program) in kept)
            program.Results.Should().HaveCount(4, $"{variant}: every program ran the four examples");

        var byScore = kept.Where(kv => kv.Key.StartsWith("ranking=score", StringComparison.Ordinal)).Select(kv => kv.Value.Content.TrimEnd()).ToList();
        var byLexicase = kept.Where(kv => kv.Key.StartsWith("ranking=lexicase", StringComparison.Ordinal)).Select(kv => kv.Value.Content.TrimEnd()).ToList();
        byScore.Should().HaveCount(8).And.OnlyContain(c => c == Generalist, "score ranking keeps the highest share passed (2 of 4)");
        byLexicase.Should().HaveCount(8).And.NotContain(None, "a program that passes nothing another does not is never kept");
        byLexicase.Should().Contain(c => c == Two || c == Three, "lexicase keeps a specialist when its test comes first (1/2 of the orders)");
        byLexicase.Should().Contain(Generalist, "and the generalist when one of its two tests comes first (the other 1/2)");
        kept.Values.Where(p => p.Content.TrimEnd() != Generalist).Should().OnlyContain(p => p.Score == 0.25);
    }
}
