using System.Collections.Immutable;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>A group of distinct programs (indices into <see cref="DualExecution.Programs"/>) ranked together, with its score.</summary>
internal sealed record RankedGroup(ImmutableArray<int> Programs, double Score)
{
    /// <summary>Samples in the group (programs counted with their multiplicity).</summary>
    public int Samples(DualExecution m) => Programs.Sum(p => m.ProgramCounts[p]);
}

/// <summary>A ranking of a problem's programs: groups best first. <see cref="Fallback"/>: nothing could be ranked, the pool is one group.</summary>
internal sealed record GroupRanking(ImmutableArray<RankedGroup> Groups, bool Fallback)
{
    /// <summary>The whole pool as one group (no ranking: a random sample of it is a random pool sample).</summary>
    public static GroupRanking Pool(DualExecution m, bool fallback) =>
        new([new RankedGroup([.. Enumerable.Range(0, m.Programs.Length)], 0)], fallback);

    /// <summary>Groups sorted by score, best first (stable), with groups of equal score merged, as CodeT's evaluation merges them.</summary>
    public static GroupRanking Merged(IEnumerable<RankedGroup> groups)
    {
        var merged = new List<RankedGroup>();
        foreach (var g in groups.OrderByDescending(g => g.Score))
        {
            if (merged.Count > 0 && merged[^1].Score == g.Score) merged[^1] = merged[^1] with { Programs = merged[^1].Programs.AddRange(g.Programs) };
            else merged.Add(g);
        }
        return new([.. merged], false);
    }
}

/// <summary>
/// CodeT's dual execution agreement (microsoft/CodeT <c>src/agreement.py</c> and <c>src/evaluation.py</c>), exactly:
/// programs that pass exactly the same set of test cases form a consensus set; a set's score is the number of
/// test cases it passes, counting duplicates, times the square root of its number of programs, counting
/// duplicates. Programs that pass no test case are not ranked. Sets of equal score are merged; when no program
/// passes any test case, the problem falls back to its whole pool.
/// </summary>
internal static class CodeTAgreement
{
    /// <summary>The consensus sets, in order of their first program (unsorted, unmerged).</summary>
    public static IReadOnlyList<RankedGroup> ConsensusSets(DualExecution m)
    {
        var sets = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int p = 0; p < m.Programs.Length; p++)
        {
            var passed = m.Passed[p];
            if (!passed.Contains(true)) continue;
            var key = string.Join(',', Enumerable.Range(0, passed.Length).Where(t => passed[t]));
            if (!sets.TryGetValue(key, out var members)) { sets[key] = members = []; order.Add(key); }
            members.Add(p);
        }
        return order.Select(key =>
        {
            var members = sets[key];
            var cases = m.Passed[members[0]].Select((pass, t) => pass ? m.TestCounts[t] : 0).Sum();
            var programs = members.Sum(p => m.ProgramCounts[p]);
            return new RankedGroup([.. members], cases * Math.Sqrt(programs));
        }).ToList();
    }

    /// <summary>CodeT's ranking: consensus sets by score, ties merged; the pool when nothing passed.</summary>
    public static GroupRanking Rank(DualExecution m) =>
        m.AnyPassed ? GroupRanking.Merged(ConsensusSets(m)) : GroupRanking.Pool(m, fallback: true);
}
