using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>Lexicase selection (Spector 2012; used by SEIDR): repeatedly filter by one test at a time in random order.</summary>
internal static class Lexicase
{
    public static List<Candidate> Select(IReadOnlyList<Candidate> pool, int count, Random random)
    {
        var chosen = new List<Candidate>();
        var remaining = pool.ToList();
        while (chosen.Count < count && remaining.Count > 0)
        {
            var candidates = remaining;
            var tests = Enumerable.Range(0, remaining.Max(p => p.Results.Length)).ToArray();
            random.Shuffle(tests);
            foreach (var t in tests)
            {
                if (candidates.Count == 1) break;
                var passing = candidates.Where(p => t < p.Results.Length && p.Results[t].Passed).ToList();
                if (passing.Count > 0) candidates = passing;
            }
            var pick = candidates[random.Next(candidates.Count)];
            chosen.Add(pick);
            remaining.Remove(pick);
        }
        return chosen;
    }
}
