using System.Collections.Immutable;
using Seidr.Workflows.Activities.Ranking;

namespace Seidr.Workflows.Activities.Tests.Ranking;

public class BehaviourRankingTests
{
    /// <summary>A matrix from outcome rows ("=" passed, anything else the outcome), with multiplicities.</summary>
    private static DualExecution Matrix(int[] programCounts, int[] testCounts, params string[][] rows) => new()
    {
        Programs = [.. rows.Select((_, i) => $"p{i}")],
        ProgramCounts = [.. programCounts],
        Tests = [.. testCounts.Select((_, i) => $"assert t{i}")],
        TestCounts = [.. testCounts],
        Passed = [.. rows.Select(r => r.Select(o => o == "=").ToImmutableArray())],
        Outcomes = [.. rows.Select(r => r.ToImmutableArray())],
    };

    [Fact]
    public void Programs_that_pass_the_same_tests_but_fail_others_with_different_values_are_different_behaviours()
    {
        var m = Matrix([1, 1, 1], [1, 1], ["=", "≠1"], ["=", "≠2"], ["=", "≠1"]);
        CodeTAgreement.ConsensusSets(m).Should().ContainSingle();
        BehaviourRanking.Clusters(m).Select(c => c.ToArray()).Should().BeEquivalentTo(new[] { new[] { 0, 2 }, new[] { 1 } }, o => o.WithStrictOrdering());
    }

    [Fact]
    public void The_larger_behaviour_wins_inside_a_consensus_set_that_CodeT_takes_whole()
    {
        // t1's expected value is wrong: nobody passes it, and p0 (3 samples) and p1 (2 samples) answer it differently.
        var m = Matrix([3, 2], [2, 1], ["=", "≠1"], ["=", "≠2"]);
        CodeTAgreement.Rank(m).Groups[0].Programs.Should().Equal(0, 1);

        var ranking = BehaviourRanking.Rank(m);
        ranking.Groups.Select(g => g.Programs.ToArray()).Should().BeEquivalentTo(new[] { new[] { 0 }, new[] { 1 } }, o => o.WithStrictOrdering());
        ranking.Groups[0].Score.Should().Be(1);
        ranking.Groups[1].Score.Should().BeApproximately(2.0 / 3, 1e-9);
    }

    [Fact]
    public void Tests_passed_only_by_a_rare_behaviour_lose_their_weight_where_CodeT_counts_them_in_full()
    {
        // c (4 samples) passes t0, t1; w (1 sample) passes t0 and five tests nobody else passes.
        var m = Matrix([4, 1], [1, 1, 1, 1, 1, 1],
            ["=", "=", "≠0", "≠0", "≠0", "≠0"],
            ["=", "≠9", "=", "=", "=", "="]);
        CodeTAgreement.Rank(m).Groups[0].Programs.Should().Equal(1); // 5 x sqrt(1) = 5 > 2 x sqrt(4) = 4

        // Fixed point with s(c) = 1, s(w) = x: w(t0) ~ 1 + x, w(t1) ~ 1, the others ~ x;
        // x = (1 + 5x) / (4 (2 + x))  =>  4x^2 + 3x - 1 = 0  =>  x = 1/4.
        var ranking = BehaviourRanking.Rank(m);
        ranking.Groups[0].Programs.Should().Equal(0);
        ranking.Groups[0].Score.Should().Be(1);
        ranking.Groups[1].Programs.Should().Equal(1);
        ranking.Groups[1].Score.Should().BeApproximately(0.25, 1e-9);
    }

    [Fact]
    public void Behaviours_with_the_same_size_and_the_same_passed_tests_are_merged_and_those_passing_nothing_are_not_ranked()
    {
        var m = Matrix([2, 2, 5], [1, 1], ["=", "≠1"], ["=", "≠2"], ["≠0", "≠3"]);
        var ranking = BehaviourRanking.Rank(m);
        ranking.Fallback.Should().BeFalse();
        ranking.Groups.Should().ContainSingle().Which.Programs.Should().Equal(0, 1);
    }

    [Fact]
    public void Unconnected_behaviours_are_ranked_by_size_times_the_multiplicity_of_their_tests()
    {
        // a: 2 samples, passes t0 (3 occurrences); b: 3 samples, passes t1 (1 occurrence). 2 x 3 > 3 x 1, and the
        // iteration drives b's relative score to 0 (b's component has the smaller eigenvalue).
        var m = Matrix([2, 3], [3, 1], ["=", "≠1"], ["≠2", "="]);
        var ranking = BehaviourRanking.Rank(m);
        ranking.Groups.Select(g => g.Programs.Single()).Should().Equal(0, 1);
        ranking.Groups[1].Score.Should().BeLessThan(1e-6);
    }

    [Fact]
    public void The_mutual_scores_are_all_zero_when_nothing_passes()
    {
        BehaviourRanking.MutualScores([1, 2], [[], []], [1, 1]).Should().Equal(0, 0);
    }

    [Fact]
    public void When_nothing_passes_the_pool_is_one_group()
    {
        var m = Matrix([1, 2], [1], ["≠1"], ["error:ValueError"]);
        var ranking = BehaviourRanking.Rank(m);
        ranking.Fallback.Should().BeTrue();
        ranking.Groups.Should().ContainSingle().Which.Programs.Should().Equal(0, 1);
    }
}
