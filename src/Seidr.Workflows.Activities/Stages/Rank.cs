using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>SEIDR's rank step: keeps the best programs as the beam, or reports a solution.</summary>
[Activity("Seidr", "Rank", Category = "Selection", Spends = false, DisplayName = "Rank", Description = "Keeps the best beam_width programs: by score with tie-breaks, or by lexicase selection over per-test outcomes. Programs that pass every test go to Solved.")]
[Outcome("Beam", Description = "The kept programs, best first (nothing passed every test and budget is left).")]
[Outcome("Solved", Description = "Programs that passed every test, best first.")]
[Outcome("Exhausted", Description = "The budget is spent: the beam, best first.")]
public sealed class Rank : Activity
{
    [Input(Description = "How many programs to keep.", Min = 1)]
    public int BeamWidth { get; set; } = 2;

    [Input(Description = "'score': highest fraction of tests passed, ties broken by fewer repair generations, then shorter program, then age. 'lexicase': lexicase selection over the per-test outcomes.", Options = ["score", "lexicase"])]
    public string Strategy { get; set; } = "score";

    [Input(Description = "Also rank the beam kept by this activity's previous iteration (elitism), so a good parent is not lost to worse children.")]
    public bool KeepParents { get; set; } = true;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var pool = context.Input.Programs.ToList();
        if (KeepParents && context.State.TryGetValue("beam", out var previous))
            pool.AddRange(((IReadOnlyList<Candidate>)previous).Where(p => pool.All(c => c.Id != p.Id)));
        var ordered = Order(pool).ToList();
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program).ToList();
        var solved = ordered.Where(p => p.PassedAll).ToList();
        if (solved.Count > 0) return Task.FromResult(ActivityResult.Of("Solved", solved.Concat(others)));

        var beam = Strategy == "lexicase" ? Lexicase.Select(ordered, BeamWidth, context.Random) : ordered.Take(BeamWidth).ToList();
        context.State["beam"] = beam;
        return Task.FromResult(ActivityResult.Of(context.Budget.IsExhausted ? "Exhausted" : "Beam", beam.Concat(others)));
    }

    /// <summary>Best first: score, then fewer generations, then shorter text, then id (stable across runs).</summary>
    public static IEnumerable<Candidate> Order(IEnumerable<Candidate> programs) =>
        programs.OrderByDescending(p => p.Score ?? -1).ThenBy(p => p.Generation).ThenBy(p => p.Content.Length).ThenBy(p => p.Id, StringComparer.Ordinal);
}

/// <summary>Lexicase selection (Spector 2012; used by SEIDR): repeatedly filter by one test at a time in random order.</summary>
public static class Lexicase
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
