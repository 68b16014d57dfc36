using System.Collections.Immutable;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;

namespace Seidr.Workflows.Reports;

/// <summary>One flow as a report sees it: its result, whether it counts as solved, and what it had spent when it was solved.</summary>
public sealed record FlowView(FlowResult Result, bool Solved, int? ProgramsAtSolve, long? TokensAtSolve);

/// <summary>One variant of one run, with its metrics and flows.</summary>
public sealed record VariantView(string RunId, Variant Variant, ImmutableSortedDictionary<string, double> Metrics, ImmutableArray<FlowView> Flows,
    ImmutableArray<StageSpend> Stages)
{
    public string Label(bool withRun) => withRun ? $"{RunId}: {Variant.Id}" : Variant.Id;
}

/// <summary>What one stage (activity) of a variant spent on model calls.</summary>
public sealed record StageSpend(string Stage, int Calls, long Tokens, decimal Cost);

/// <summary>Derives what reports show from a stored run: metrics per variant (the engine's <see cref="Metrics"/>), solve curves, spend per stage.</summary>
public sealed class RunAnalysis
{
    public RunAnalysis(StoredRun run)
    {
        Run = run;
        var byFlow = run.Candidates.ToLookup(c => (c.VariantId, c.ProblemId));
        var callsByFlow = run.ModelCalls.ToLookup(c => (c.VariantId, c.ProblemId));
        var lastExecution = run.Executions.GroupBy(e => (e.VariantId, e.ProblemId, e.CandidateId)).ToDictionary(g => g.Key, g => g.Last());
        LastExecution = lastExecution;
        Variants = run.Results().Select(v =>
        {
            bool hidden = v.Flows.Any(f => !f.Hidden.IsEmpty);
            var flows = v.Flows.Select(f =>
            {
                bool solved = hidden ? f.SolvedByHiddenTests : f.SolvedByGeneratedTests;
                if (!solved || f.Submission.IsEmpty) return new FlowView(f, solved, null, null);
                var candidates = byFlow[(f.Key.VariantId, f.Key.ProblemId)].ToList();
                var best = candidates.FirstOrDefault(c => c.CandidateId == f.Submission[0].Id);
                if (best is null) return new FlowView(f, solved, f.Programs, f.Tokens);
                var programs = candidates.Count(c => c.Kind == CandidateKinds.Program && Before(c, best));
                var tokens = callsByFlow[(f.Key.VariantId, f.Key.ProblemId)].Where(c => c.At <= best.CreatedAt).Sum(c => c.InputTokens + c.OutputTokens);
                return new FlowView(f, solved, Math.Max(1, programs), tokens);
            }).ToImmutableArray();
            var stages = run.ModelCalls.Where(c => c.VariantId == v.Variant.Id).GroupBy(c => c.ActivityId)
                .Select(g => new StageSpend(g.Key, g.Sum(c => c.Calls), g.Sum(c => c.InputTokens + c.OutputTokens), g.Sum(c => c.Cost)))
                .OrderBy(s => s.Stage, StringComparer.Ordinal).ToImmutableArray();
            return new VariantView(run.Run.Id, v.Variant, v.Metrics, flows, stages);
        }).ToImmutableArray();
    }

    public StoredRun Run { get; }
    public ImmutableArray<VariantView> Variants { get; }
    internal IReadOnlyDictionary<(string, string, string), ExecutionRow> LastExecution { get; }

    private static bool Before(CandidateRow c, CandidateRow best) =>
        c.CreatedAt < best.CreatedAt || (c.CreatedAt == best.CreatedAt && string.CompareOrdinal(c.CandidateId, best.CandidateId) <= 0);

    /// <summary>Share of problems solved within x programs per problem, for x = 0..max.</summary>
    public static (double[] X, double[] Y) SolvedByPrograms(VariantView v)
    {
        int max = Math.Max(1, v.Flows.Select(f => f.Result.Programs).DefaultIfEmpty(1).Max());
        int n = Math.Max(1, v.Flows.Length);
        var xs = Enumerable.Range(0, max + 1).Select(x => (double)x).ToArray();
        var ys = xs.Select(x => v.Flows.Count(f => f.ProgramsAtSolve is { } p && p <= x) / (double)n).ToArray();
        return (xs, ys);
    }

    /// <summary>Share of problems solved within t tokens per problem (a step curve through every solve).</summary>
    public static (double[] X, double[] Y) SolvedByTokens(VariantView v)
    {
        int n = Math.Max(1, v.Flows.Length);
        var solves = v.Flows.Where(f => f.TokensAtSolve is not null).Select(f => (double)f.TokensAtSolve!.Value).Order().ToList();
        double max = Math.Max(1, v.Flows.Select(f => (double)f.Result.Tokens).DefaultIfEmpty(1).Max());
        var xs = new List<double> { 0 };
        var ys = new List<double> { 0 };
        for (int i = 0; i < solves.Count; i++)
        {
            xs.Add(solves[i]); ys.Add(ys[^1]);
            xs.Add(solves[i]); ys.Add((i + 1) / (double)n);
        }
        xs.Add(Math.Max(max, xs[^1])); ys.Add(ys[^1]);
        return (xs.ToArray(), ys.ToArray());
    }
}
