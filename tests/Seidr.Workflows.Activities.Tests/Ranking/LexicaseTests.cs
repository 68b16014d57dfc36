using System.Collections.Immutable;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Ranking;

/// <summary>
/// Lexicase selection pinned on hand-made result matrices: which programs it can pick, how often over many seeds (the
/// order of tests is the only randomness, so the shares are exact fractions of the orders), and what a missing result
/// counts as. Score ranking (<see cref="ScoreOrder.BestFirst"/>) is shown beside it where they differ.
/// </summary>
public class LexicaseTests
{
    private const int Seeds = 4000;

    /// <summary>A scored program from a row like "11.0" (1 passed, 0 failed, . error); its score is the share passed.</summary>
    private static Candidate P(string id, string row) => new()
    {
        Id = id, Kind = CandidateKinds.Program, Content = $"# {id}\n", Stage = "test",
        Score = row.Length == 0 ? 0 : row.Count(c => c == '1') / (double)row.Length,
        Results = [.. row.Select((c, i) => new TestResult($"t{i}", c switch { '1' => TestStatus.Passed, '0' => TestStatus.Failed, _ => TestStatus.Error }))],
    };

    /// <summary>How often each program is the first pick, over <see cref="Seeds"/> seeds.</summary>
    private static Dictionary<string, double> FirstPickShares(params Candidate[] pool)
    {
        var counts = pool.ToDictionary(p => p.Id, _ => 0);
        for (int seed = 0; seed < Seeds; seed++) counts[Lexicase.Select(pool, 1, new Random(seed)).Single().Id]++;
        return counts.ToDictionary(kv => kv.Key, kv => kv.Value / (double)Seeds);
    }

    [Fact]
    public void Specialists_are_picked_when_their_test_comes_first_where_score_ranking_always_keeps_the_generalist()
    {
        // a passes t0 and t1; b only t2; c only t3; d nothing. The first test of the shuffled order decides alone:
        // t0 or t1 first -> a (1/2), t2 -> b (1/4), t3 -> c (1/4). d passes nothing another does not: never.
        Candidate a = P("a", "1100"), b = P("b", "0010"), c = P("c", "0001"), d = P("d", "0000");
        ScoreOrder.BestFirst([b, c, d, a]).First().Id.Should().Be("a");
        var shares = FirstPickShares(a, b, c, d);
        shares["a"].Should().BeApproximately(0.50, 0.03);
        shares["b"].Should().BeApproximately(0.25, 0.03);
        shares["c"].Should().BeApproximately(0.25, 0.03);
        shares["d"].Should().Be(0);
    }

    [Fact]
    public void A_test_that_every_remaining_program_fails_filters_nothing()
    {
        // t0 is failed by both: it must not end the filtering with a random pick; t1 then keeps a alone.
        var shares = FirstPickShares(P("a", "01"), P("b", "00"));
        shares["a"].Should().Be(1);
    }

    [Fact]
    public void A_program_whose_passed_tests_are_a_superset_of_anothers_is_always_preferred()
    {
        var shares = FirstPickShares(P("a", "1010"), P("b", "1011"), P("c", "0011"));
        shares["b"].Should().Be(1, "b passes every test a or c passes");
    }

    [Fact]
    public void Errors_count_as_failures_and_identical_rows_share_the_pick_evenly()
    {
        // a and b behave identically (an error is a failed test); c passes nothing.
        var shares = FirstPickShares(P("a", "1.0"), P("b", "100"), P("c", "..."));
        shares["a"].Should().BeApproximately(0.5, 0.03);
        shares["b"].Should().BeApproximately(0.5, 0.03);
        shares["c"].Should().Be(0);
    }

    [Fact]
    public void A_missing_result_counts_as_not_passed_when_programs_have_different_test_counts()
    {
        // short ran 1 test (passed); long passed 3 of 3. Tests are matched by position: short has no result for
        // t1 and t2, so it never passes them and long, which passes everything short passes, always wins.
        FirstPickShares(P("short", "1"), P("long", "111"))["long"].Should().Be(1);

        // short passes t0 and t1 (its only results); long fails them and passes t2. Orders starting with t0 or t1
        // keep short (2/3), t2 first keeps long (1/3). Score ranking prefers short (1.0 of its own 2 tests).
        Candidate s = P("short", "11"), l = P("long", "001");
        ScoreOrder.BestFirst([l, s]).First().Id.Should().Be("short");
        var shares = FirstPickShares(s, l);
        shares["short"].Should().BeApproximately(2 / 3.0, 0.03);
        shares["long"].Should().BeApproximately(1 / 3.0, 0.03);

        // A program that was never run (no results) is kept only when nothing passes anything.
        FirstPickShares(P("ran", "01"), P("none", ""))["ran"].Should().Be(1);
        var nothing = FirstPickShares(P("failed", "00"), P("none", ""));
        nothing["failed"].Should().BeApproximately(0.5, 0.03);
        nothing["none"].Should().BeApproximately(0.5, 0.03);
    }

    [Fact]
    public void It_picks_without_replacement_each_pick_over_the_programs_left()
    {
        Candidate a = P("a", "1100"), b = P("b", "0010"), c = P("c", "0001"), d = P("d", "0000");
        for (int seed = 0; seed < 200; seed++)
        {
            var two = Lexicase.Select([a, b, c, d], 2, new Random(seed));
            two.Select(p => p.Id).Should().OnlyHaveUniqueItems();
            two.Should().NotContain(d, "with a, b and c left, d is never the best on any test");
            Lexicase.Select([a, b, c, d], 4, new Random(seed)).Last().Should().Be(d, "d is picked only once it is alone");
        }
        Lexicase.Select([a, b], 5, new Random(1)).Should().HaveCount(2, "never more picks than programs");
        Lexicase.Select([], 2, new Random(1)).Should().BeEmpty();
    }

    [Fact]
    public void The_same_seed_gives_the_same_picks()
    {
        Candidate[] pool = [P("a", "110010"), P("b", "001011"), P("c", "100101"), P("d", "011100"), P("e", "000011")];
        var first = Enumerable.Range(0, 50).Select(s => string.Join(",", Lexicase.Select(pool, 3, new Random(s)).Select(p => p.Id))).ToList();
        var again = Enumerable.Range(0, 50).Select(s => string.Join(",", Lexicase.Select(pool, 3, new Random(s)).Select(p => p.Id))).ToList();
        again.Should().Equal(first);
        first.Distinct().Count().Should().BeGreaterThan(3, "different seeds give different orders of tests");
    }
}
