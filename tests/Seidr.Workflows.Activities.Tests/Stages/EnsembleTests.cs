using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages;

[Collection("stages")]
public class EnsembleTests(SandboxFixture sandbox)
{
    private const string Plus = "def add(a, b):\n    return a + b";
    private const string Swapped = "def add(a, b):\n    return float(b + a)";
    private const string Minus = "def add(a, b):\n    return a - b";
    private const string Crash = "def add(a, b):\n    raise ValueError('no')";

    private static string Flow(string a, string b, string inputs) => $$"""
        activities:
        - id: seed_a
          type: Test.Seed
          inputs: {items: "{{a.Replace("\n", "\\n")}}"}
        - id: seed_b
          type: Test.Seed
          inputs: {items: "{{b.Replace("\n", "\\n")}}"}
        - id: ensemble
          type: Seidr.Ensemble
          inputs: {{{inputs}}}
        - {id: done, type: Test.Probe}
        - {id: empty, type: Test.Probe}
        connections:
        - seed_a.Done -> ensemble
        - seed_b.Done -> ensemble
        - ensemble.Done -> done
        - ensemble.Empty -> empty
        """;

    [Fact]
    public async Task Voting_puts_the_largest_group_of_agreeing_programs_first()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow($"{Minus}\n---\n{Plus}\n---\n{Crash}", $"{Plus}\n---\n{Swapped}", "vote: true"), "default: {answer: x}");
        var programs = run.At("done").Programs;
        programs.Select(p => p.Content.Trim()).Should().Equal(Plus, Swapped, Minus, Crash);
        programs.Select(p => p.Tags["votes"]).Should().Equal("3", "3", "1", "0");
        programs[0].Tags["copies"].Should().Be("2", "the same program came from both branches");
        programs[0].Id.Should().Be("seed_a#0.1", "the first copy is kept");
        run.Flow.Calls.Should().Be(0);
    }

    [Fact]
    public async Task Given_probes_replace_the_test_calls()
    {
        // On add(0, 0) the subtracting program agrees with the adding ones.
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow($"{Minus}\n---\n{Crash}", Plus, "vote: true, probes: 'add(0, 0)'"), "default: {answer: x}");
        var programs = run.At("done").Programs;
        programs.Select(p => p.Content.Trim()).Should().Equal(Minus, Plus, Crash);
        programs.Select(p => p.Tags["votes"]).Should().Equal("2", "2", "0");
    }

    [Fact]
    public async Task Without_voting_programs_keep_their_arrival_order_without_duplicates_and_with_their_source()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow($"{Minus}\n---\n{Plus}", $"{Plus}\n---\n{Crash}", "top: 2"), "default: {answer: x}");
        var programs = run.At("done").Programs;
        programs.Select(p => p.Content.Trim()).Should().Equal(Minus, Plus);
        programs.Should().OnlyContain(p => p.Tags["source"] == "seed/seed" && !p.Tags.ContainsKey("votes"));
    }

    [Fact]
    public async Task No_programs_go_to_Empty()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Flow("", "", "vote: true"), "default: {answer: x}");
        run.Reached("done").Should().BeFalse();
        run.At("empty").Should().BeEmpty();
    }

    [Theory]
    [InlineData("assert add(1, 2) == 3", "add(1, 2)")]
    [InlineData("assert add('==', [1, (2 == 3)]) == '=='", "add('==', [1, (2 == 3)])")]
    [InlineData("assert add(1, 2) != 4", null)]
    [InlineData("assert 3 <= add(1, 2)", null)]
    [InlineData("x = add(1, 2)", null)]
    [InlineData("assert add(\"a\\\"==\", 1) == 2", "add(\"a\\\"==\", 1)")]
    public void The_call_is_the_left_of_the_first_top_level_equals(string assert, string? call) =>
        Probes.LeftOfEquals(assert).Should().Be(call);

    [Fact]
    public void Calls_that_do_not_name_the_entry_point_are_not_probes() =>
        Probes.CallsIn([new Problems.AssertTest("assert len([1]) == 1"), new Problems.AssertTest("assert add(1, 1) == 2"), new Problems.AssertTest("assert add(1, 1) == 3")], "add")
            .Should().Equal("add(1, 1)");
}
