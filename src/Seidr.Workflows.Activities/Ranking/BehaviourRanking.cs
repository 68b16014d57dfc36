using System.Collections.Immutable;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>Behaviour clusters (placeholder: CodeT's score over clusters of identical outcome vectors).</summary>
public static class BehaviourRanking
{
    public static GroupRanking Rank(DualExecution m)
    {
        if (!m.AnyPassed) return GroupRanking.Pool(m, fallback: true);
        var clusters = m.Programs.Select((_, p) => p).GroupBy(p => string.Join('\u0001', m.Outcomes[p]));
        return GroupRanking.Merged(clusters.Select(c =>
        {
            var members = c.ToImmutableArray();
            var cases = m.Passed[members[0]].Select((pass, t) => pass ? m.TestCounts[t] : 0).Sum();
            return new RankedGroup(members, cases * Math.Sqrt(members.Sum(p => m.ProgramCounts[p])));
        }));
    }
}
