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
    public void Near_identical_behaviours_support_each_other_where_CodeT_lets_a_larger_wrong_set_win()
    {
        // w (4 samples) passes t0, t1; c1 and c2 (1 sample each) pass t0, t1 and one of t2, t3 each.
        var m = Matrix([4, 1, 1], [1, 1, 1, 1],
            ["=", "=", "≠0", "≠0"],
            ["=", "=", "=", "≠9"],
            ["=", "=", "≠8", "="]);
        CodeTAgreement.Rank(m).Groups[0].Programs.Should().Equal(0); // 2 x sqrt(4) = 4 > 3 x sqrt(1)

        // gamma 2: d(c1) = 1 + 1 x 0.5^2 + 4 x 0.5^2 = 2.25 -> 3 x 1.5 = 4.5; d(w) = 4 + 2 x 0.25 = 4.5 -> 2 x sqrt(4.5) = 4.24.
        var ranking = BehaviourRanking.Rank(m, gamma: 2);
        ranking.Groups[0].Programs.Should().BeEquivalentTo([1, 2]);
        ranking.Groups[0].Score.Should().BeApproximately(4.5, 1e-12);
        ranking.Groups[1].Programs.Should().Equal(0);
    }

    [Fact]
    public void With_a_very_sharp_support_it_is_CodeTs_rule_over_behaviour_clusters()
    {
        var m = Matrix([4, 1, 1], [1, 1, 1, 1],
            ["=", "=", "≠0", "≠0"],
            ["=", "=", "=", "≠9"],
            ["=", "=", "≠8", "="]);
        var ranking = BehaviourRanking.Rank(m, gamma: 1000);
        ranking.Groups[0].Programs.Should().Equal(0);
        ranking.Groups[0].Score.Should().BeApproximately(4.0, 1e-9);
    }

    [Fact]
    public void The_larger_behaviour_wins_inside_a_consensus_set_that_CodeT_takes_whole()
    {
        // t1's expected value is wrong: nobody passes it, and p0 (3 samples) and p1 (2 samples) answer it differently.
        var m = Matrix([3, 2], [2, 1], ["=", "≠1"], ["=", "≠2"]);
        CodeTAgreement.Rank(m).Groups[0].Programs.Should().Equal(0, 1);

        // a(p0, p1) = 2/3; the pool's softness is sqrt(2) (two distinct tests): d(p0) = 3 + 2 x (2/3)^sqrt(2), d(p1) = 2 + 3 x (2/3)^sqrt(2).
        BehaviourRanking.Softness(m).Should().Be(Math.Sqrt(2));
        var ranking = BehaviourRanking.Rank(m);
        var a = Math.Pow(2.0 / 3, Math.Sqrt(2)); // 0.5634
        ranking.Groups.Select(g => g.Programs.ToArray()).Should().BeEquivalentTo(new[] { new[] { 0 }, new[] { 1 } }, o => o.WithStrictOrdering());
        ranking.Groups[0].Score.Should().BeApproximately(2 * Math.Sqrt(3 + 2 * a), 1e-12);
        ranking.Groups[1].Score.Should().BeApproximately(2 * Math.Sqrt(2 + 3 * a), 1e-12);
    }

    [Fact]
    public void The_softness_grows_with_the_square_root_of_the_distinct_tests()
    {
        BehaviourRanking.Softness(Matrix([1], [3, 1, 1, 2], ["=", "=", "=", "="])).Should().Be(2.0, "four distinct tests, duplicates not counted");
        BehaviourRanking.Softness(Matrix([1], [], [])).Should().Be(1.0, "no test: the softest support");
    }

    [Fact]
    public void Behaviours_with_equal_scores_are_merged_and_those_passing_nothing_are_not_ranked()
    {
        var m = Matrix([2, 2, 5], [1, 1], ["=", "≠1"], ["=", "≠2"], ["≠0", "≠3"]);
        var ranking = BehaviourRanking.Rank(m);
        ranking.Fallback.Should().BeFalse();
        ranking.Groups.Should().ContainSingle().Which.Programs.Should().Equal(0, 1);
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
