using System.Collections.Immutable;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>
/// Behaviour-cluster ranking: CodeT's consensus idea on what programs DO, not only on which tests they pass.
/// <list type="number">
/// <item>Programs that give the same outcome on every generated test's input (pass, the same actual value, the same
/// error) form a behaviour cluster: a refinement of CodeT's consensus sets, which lump together programs that fail a
/// test with different values.</item>
/// <item>Clusters agree with each other on a test when their outcomes on it are equal; their functional agreement
/// <c>a(k, l)</c> is the share of test cases (counting duplicates) on which they agree.</item>
/// <item>A cluster's support is the number of samples behaving like it, softly: <c>d(k) = sum over l of
/// samples(l) * a(k, l)^gamma</c>. Near-identical behaviours (correct programs that differ only on a malformed
/// generated input) support each other instead of splitting the vote. The softness is <c>gamma = sqrt(T)</c>, T the
/// problem's distinct generated test cases: a rule read off the pool, not a parameter fitted to hidden verdicts.</item>
/// <item>Score: test cases passed (counting duplicates) times <c>sqrt(d(k))</c>, i.e. CodeT's formula with the
/// soft support in place of the set size. Clusters that pass nothing are not ranked; equal scores are merged;
/// when nothing passes, the pool is one group.</item>
/// </list>
/// Uses only the code and test pools (no docstring examples, no hidden tests).
/// </summary>
internal static class BehaviourRanking
{
    /// <summary>
    /// Softness of the support from the pool alone: <c>sqrt(T)</c>, T the distinct generated test cases. With more
    /// tests, a share of disagreeing tests is firmer evidence of a different function, so agreement is discounted more
    /// steeply. (A fixed exponent chosen on hidden verdicts, 4, was used before; docs/codet.md has both, with 2-fold
    /// cross-validated figures from scripts/ranking_cv.py.)
    /// </summary>
    public static double Softness(DualExecution m) => Math.Sqrt(Math.Max(1, m.Tests.Length));

    /// <summary>Behaviour clusters: distinct programs with identical outcome vectors, in order of their first program.</summary>
    public static IReadOnlyList<ImmutableArray<int>> Clusters(DualExecution m) =>
        Enumerable.Range(0, m.Programs.Length)
            .GroupBy(p => m.Outcomes[p], OutcomeComparer.Instance)
            .Select(g => g.ToImmutableArray())
            .ToList();

    /// <summary>Ranks the behaviour clusters; <paramref name="gamma"/> overrides the pool-only softness (<see cref="Softness"/>).</summary>
    public static GroupRanking Rank(DualExecution m, double? gamma = null)
    {
        if (!m.AnyPassed) return GroupRanking.Pool(m, fallback: true);
        var softness = gamma ?? Softness(m);
        var clusters = Clusters(m);
        var weights = m.TestCounts;
        double total = weights.Sum();
        var size = clusters.Select(c => (double)c.Sum(p => m.ProgramCounts[p])).ToArray();
        var rows = clusters.Select(c => m.Outcomes[c[0]]).ToArray();
        var groups = new List<RankedGroup>();
        for (int k = 0; k < clusters.Count; k++)
        {
            var passed = 0;
            for (int t = 0; t < weights.Length; t++) if (m.Passed[clusters[k][0]][t]) passed += weights[t];
            if (passed == 0) continue;
            double support = 0;
            for (int l = 0; l < clusters.Count; l++)
            {
                double agree = 0;
                for (int t = 0; t < weights.Length; t++) if (rows[k][t] == rows[l][t]) agree += weights[t];
                support += size[l] * Math.Pow(agree / total, softness);
            }
            groups.Add(new RankedGroup(clusters[k], passed * Math.Sqrt(support)));
        }
        return GroupRanking.Merged(groups);
    }

    private sealed class OutcomeComparer : IEqualityComparer<ImmutableArray<string>>
    {
        public static readonly OutcomeComparer Instance = new();
        public bool Equals(ImmutableArray<string> x, ImmutableArray<string> y) => x.SequenceEqual(y, StringComparer.Ordinal);
        public int GetHashCode(ImmutableArray<string> row)
        {
            var h = new HashCode();
            foreach (var s in row) h.Add(s, StringComparer.Ordinal);
            return h.ToHashCode();
        }
    }
}
