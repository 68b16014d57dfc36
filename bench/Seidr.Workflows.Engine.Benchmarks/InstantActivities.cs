using System.Globalization;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Engine.Benchmarks;

/// <summary>An instant model: n programs per call, no waiting.</summary>
[Activity("Bench", "Generate")]
[Outcome("Done")]
[Outcome("Exhausted")]
public sealed class Generate : Activity
{
    [Input] public int Count { get; set; } = 10;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var made = Make(context, Count);
        context.RecordModelCall(new ModelUsage("instant", 1, 100, 20 * made.Count, 0m, TimeSpan.Zero, false));
        return Task.FromResult(ActivityResult.Of("Done", made));
    }

    /// <summary><paramref name="count"/> programs, or <paramref name="count"/> children of each input program.</summary>
    public static List<Candidate> Make(ActivityContext context, int count)
    {
        var parents = context.Input.Programs;
        var made = new List<Candidate>(count * Math.Max(1, parents.Count));
        if (parents.Count == 0)
            for (int i = 0; i < count; i++) made.Add(context.Create(CandidateKinds.Program, $"def f(): return {i}", key: i.ToString(CultureInfo.InvariantCulture)));
        else
            for (int p = 0; p < parents.Count; p++)
                for (int i = 0; i < count; i++)
                    made.Add(context.Create(CandidateKinds.Program, parents[p].Content + i, parents[p], key: $"{p}.{i}"));
        return made;
    }
}

/// <summary>No-op execution: a deterministic score, one result per program.</summary>
[Activity("Bench", "Score", Spends = false)]
[Outcome("Done")]
public sealed class Score : Activity
{
    private static readonly TestResult Failed = new("assert f() == -1", TestStatus.Failed);

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) =>
        Task.FromResult(ActivityResult.Of("Done", context.Input.Programs.Select(p => context.Scored(p with { Score = (p.Content.Length % 7) / 10.0, Results = [Failed] }))));
}

/// <summary>Keeps the best two; never solved, so the loop runs until max_programs.</summary>
[Activity("Bench", "Beam", Spends = false)]
[Outcome("Beam")]
[Outcome("Exhausted")]
public sealed class Beam : Activity
{
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var beam = context.Input.Programs.OrderByDescending(p => p.Score).ThenBy(p => p.Id, StringComparer.Ordinal).Take(2).ToList();
        return Task.FromResult(ActivityResult.Of(context.Budget.IsExhausted ? "Exhausted" : "Beam", beam));
    }
}
