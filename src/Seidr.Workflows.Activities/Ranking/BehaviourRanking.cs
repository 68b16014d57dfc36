using System.Collections.Immutable;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>
/// Behaviour-cluster ranking: CodeT's dual agreement between programs and generated tests, but over what programs DO,
/// and with the tests' trust learned from the programs instead of counted.
/// <list type="number">
/// <item>Programs that give the same outcome on every generated test's input (pass, the same actual value, the same
/// error) form a behaviour cluster: a refinement of CodeT's consensus sets, which lump together programs that fail a
/// test with different values. A cluster's size <c>n(k)</c> counts its samples.</item>
/// <item>Mutual reinforcement (HITS-style, the principal singular vector of the weighted pass matrix): a cluster's
/// score is its size times the summed trust of the tests it passes, <c>s(k) = n(k) * sum over passed t of w(t)</c>; a
/// test's trust is its multiplicity times the summed score of the clusters that pass it,
/// <c>w(t) = m(t) * sum over clusters passing t of s(k)</c>. Starting from <c>w = m</c> (the first step is CodeT's
/// count of passed tests, times the cluster size), the two are iterated, each normalised to a maximum of 1, until the
/// scores no longer change. A test that only a few rare behaviours pass loses its weight, and a frequent behaviour
/// that passes the trusted tests wins over a rare one that also passes many untrusted ones.</item>
/// <item>Clusters that pass nothing are not ranked; scores equal to 9 decimals (of the normalised score) are merged;
/// when nothing passes, the pool is one group.</item>
/// </list>
/// Uses only the code and test pools (no docstring examples, no hidden tests). docs/codet.md has the figures and
/// the rules it was chosen among.
/// </summary>
public static class BehaviourRanking
{
    /// <summary>Most power iterations (the scores converge in a handful on HumanEval pools).</summary>
    public const int MaxIterations = 1000;

    /// <summary>The iteration stops when no normalised score moves by more than this.</summary>
    public const double Tolerance = 1e-12;

    /// <summary>Behaviour clusters: distinct programs with identical outcome vectors, in order of their first program.</summary>
    public static IReadOnlyList<ImmutableArray<int>> Clusters(DualExecution m) =>
        Enumerable.Range(0, m.Programs.Length)
            .GroupBy(p => m.Outcomes[p], OutcomeComparer.Instance)
            .Select(g => g.ToImmutableArray())
            .ToList();

    public static GroupRanking Rank(DualExecution m)
    {
        if (!m.AnyPassed) return GroupRanking.Pool(m, fallback: true);
        var clusters = Clusters(m);
        var sizes = clusters.Select(c => (double)c.Sum(p => m.ProgramCounts[p])).ToArray();
        var passes = clusters.Select(c => Enumerable.Range(0, m.Tests.Length).Where(t => m.Passed[c[0]][t]).ToArray()).ToArray();
        var scores = MutualScores(sizes, passes, [.. m.TestCounts.Select(c => (double)c)]);
        var groups = new List<RankedGroup>();
        for (int k = 0; k < clusters.Count; k++)
            if (passes[k].Length > 0) groups.Add(new RankedGroup(clusters[k], Math.Round(scores[k], 9)));
        return GroupRanking.Merged(groups);
    }

    /// <summary>
    /// The converged cluster scores (maximum 1) of the mutual reinforcement between clusters of the given sizes and
    /// tests of the given multiplicities; <paramref name="passes"/>[k] lists the tests cluster k passes.
    /// All zeros when nothing passes.
    /// </summary>
    public static double[] MutualScores(IReadOnlyList<double> sizes, IReadOnlyList<int[]> passes, IReadOnlyList<double> testCounts)
    {
        var w = testCounts.ToArray();
        var s = new double[sizes.Count];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            var next = new double[sizes.Count];
            for (int k = 0; k < next.Length; k++)
            {
                double sum = 0;
                foreach (var t in passes[k]) sum += w[t];
                next[k] = sizes[k] * sum;
            }
            var max = next.Max();
            if (max <= 0) return next;
            var moved = 0.0;
            for (int k = 0; k < next.Length; k++)
            {
                next[k] /= max;
                moved = Math.Max(moved, Math.Abs(next[k] - s[k]));
            }
            s = next;
            if (iteration > 0 && moved < Tolerance) break;

            Array.Clear(w);
            for (int k = 0; k < s.Length; k++)
                foreach (var t in passes[k]) w[t] += s[k];
            var wmax = 0.0;
            for (int t = 0; t < w.Length; t++) wmax = Math.Max(wmax, w[t] *= testCounts[t]);
            for (int t = 0; t < w.Length; t++) w[t] /= wmax;
        }
        return s;
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
