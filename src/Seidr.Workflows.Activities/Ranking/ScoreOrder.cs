using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>The score ranking's order of programs, shared by the stages that pick the best programs first.</summary>
internal static class ScoreOrder
{
    /// <summary>Best first: score, then fewer generations, then shorter text, then id (stable across runs).</summary>
    public static IEnumerable<Candidate> BestFirst(IEnumerable<Candidate> programs) =>
        programs.OrderByDescending(p => p.Score ?? -1).ThenBy(p => p.Generation).ThenBy(p => p.Content.Length).ThenBy(p => p.Id, StringComparer.Ordinal);
}
