using System.Collections.Immutable;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Reports;

/// <summary>
/// One flow as a report sees it: its result (without program texts and per-test results but those of its top
/// submission, see <see cref="RunAnalysis.Slim"/>), whether it counts as solved, and what it had spent when it was solved.
/// </summary>
/// <param name="Result">The flow's stored result, kept slim.</param>
/// <param name="Solved">Whether the flow counts as solved: by the hidden tests when the run has them, else by the generated tests.</param>
/// <param name="ProgramsAtSolve">Programs generated when the flow was solved; null if it never was.</param>
/// <param name="TokensAtSolve">Tokens spent when the flow was solved; null if it never was.</param>
public sealed record FlowView(FlowResult Result, bool Solved, int? ProgramsAtSolve, long? TokensAtSolve)
{
    /// <summary>Programs submitted (a ranking's top group, or the whole pool).</summary>
    public int Submitted => Result.Submission.Length;

    /// <summary>Submitted programs that passed the hidden tests.</summary>
    public int SubmittedPassing => Math.Min(Submitted, Result.Hidden.Count(h => h.Passed));
}

/// <summary>One variant of one run, with its metrics and flows.</summary>
/// <param name="RunId">The run the variant belongs to.</param>
/// <param name="Variant">The variant: its id and matrix axis values.</param>
/// <param name="Metrics">The variant's metrics by name (pass@k and the rest, as the engine computes them).</param>
/// <param name="Flows">One view per problem the variant ran.</param>
/// <param name="Stages">What each stage spent on model calls.</param>
public sealed record VariantView(string RunId, Variant Variant, ImmutableSortedDictionary<string, double> Metrics, ImmutableArray<FlowView> Flows,
    ImmutableArray<StageSpend> Stages)
{
    /// <summary>The variant's name in legends and tables; with the run's id in front when several runs are compared.</summary>
    public string Label(bool withRun) => withRun ? $"{RunId}: {Variant.Id}" : Variant.Id;
}

/// <summary>What one stage (activity) of a variant spent on model calls.</summary>
/// <param name="Stage">The activity's id in the workflow.</param>
/// <param name="Calls">Model calls made.</param>
/// <param name="Tokens">Tokens spent, prompt and completion.</param>
/// <param name="Cost">Money spent, priced by the model catalog (its prices per million tokens).</param>
public sealed record StageSpend(string Stage, int Calls, long Tokens, decimal Cost);

/// <summary>
/// Derives what reports show from a stored run: metrics per variant (pass@k and the rest, as the engine computes them), solve
/// curves, spend per stage. Loaded by streaming the store (<see cref="LoadAsync"/>): flows are read one at a time and
/// kept slim, candidates and executions are read one flow at a time when a page part or an export needs them.
/// </summary>
public sealed class RunAnalysis
{
    private RunAnalysis(RunStore store, RunHeader run, ImmutableArray<VariantView> variants)
    {
        Store = store;
        Run = run;
        Variants = variants;
    }

    /// <summary>The store the run was read from: candidate trees and exports read their flows from it on demand.</summary>
    public RunStore Store { get; }
    /// <summary>The run's id, workflow and settings, as stored.</summary>
    public RunHeader Run { get; }
    /// <summary>The run's variants in stored order, each with its metrics and flows.</summary>
    public ImmutableArray<VariantView> Variants { get; }

    /// <summary>Reads one run: its flows one at a time (kept slim), its calls without prompts and answers.</summary>
    public static async Task<RunAnalysis> LoadAsync(RunStore store, string runId, CancellationToken cancellationToken = default)
    {
        var run = await store.LoadRunHeaderAsync(runId, cancellationToken);
        var calls = await store.LoadCallSpendAsync(runId, cancellationToken);
        var callsByFlow = calls.ToLookup(c => (c.VariantId, c.ProblemId));
        var flowsByVariant = new Dictionary<string, List<FlowResult>>(StringComparer.Ordinal);
        await foreach (var row in store.StreamFlowsAsync(runId, cancellationToken))
        {
            if (!flowsByVariant.TryGetValue(row.VariantId, out var list)) flowsByVariant[row.VariantId] = list = [];
            list.Add(Slim(StoreJson.ToFlowResult(row.ResultJson)));
        }
        var order = run.Problems.Select((p, i) => (p.ProblemId, i)).ToDictionary(x => x.ProblemId, x => x.i, StringComparer.Ordinal);
        var ks = run.Settings.K.IsDefaultOrEmpty ? [1] : run.Settings.K;
        var variants = ImmutableArray.CreateBuilder<VariantView>();
        foreach (var vr in run.Variants)
        {
            // In the run's problem order, as the engine reports them (StoredRun.Results).
            var results = (flowsByVariant.GetValueOrDefault(vr.VariantId) ?? [])
                .OrderBy(f => order.GetValueOrDefault(f.Key.ProblemId, int.MaxValue)).ThenBy(f => f.Key.ProblemId, StringComparer.Ordinal).ToImmutableArray();
            var metrics = Metrics.Compute(results, ks);
            bool hidden = results.Any(f => !f.Hidden.IsEmpty);
            var flows = ImmutableArray.CreateBuilder<FlowView>(results.Length);
            foreach (var f in results)
            {
                bool solved = hidden ? f.SolvedByHiddenTests : f.SolvedByGeneratedTests;
                if (!solved || f.Submission.IsEmpty) { flows.Add(new FlowView(f, solved, null, null)); continue; }
                var stamps = await store.LoadCandidateStampsAsync(runId, f.Key.VariantId, f.Key.ProblemId, cancellationToken);
                var best = stamps.FirstOrDefault(c => c.CandidateId == f.Submission[0].Id);
                if (best is null) { flows.Add(new FlowView(f, solved, f.Programs, f.Tokens)); continue; }
                var programs = stamps.Count(c => c.Kind == CandidateKinds.Program && Before(c, best));
                var tokens = callsByFlow[(f.Key.VariantId, f.Key.ProblemId)].Where(c => c.At <= best.CreatedAt).Sum(c => c.Tokens);
                flows.Add(new FlowView(f, solved, Math.Max(1, programs), tokens));
            }
            var stages = calls.Where(c => c.VariantId == vr.VariantId).GroupBy(c => c.ActivityId)
                .Select(g => new StageSpend(g.Key, g.Sum(c => c.Calls), g.Sum(c => c.Tokens), g.Sum(c => c.Cost)))
                .OrderBy(s => s.Stage, StringComparer.Ordinal).ToImmutableArray();
            variants.Add(new VariantView(runId, run.VariantOf(vr), metrics, flows.MoveToImmutable(), stages));
        }
        return new RunAnalysis(store, run, variants.ToImmutable());
    }

    /// <summary>
    /// A flow result without what reports do not show from it: program texts, the per-test results of all but the
    /// top submitted program (<see cref="FlowResult.SolvedByGeneratedTests"/> reads those), and the hidden tests'
    /// output. A full CodeT flow's result is ~1 MB of JSON; slim, a few kilobytes.
    /// </summary>
    internal static FlowResult Slim(FlowResult f) => f with
    {
        Submission = [.. f.Submission.Select((c, i) => c with { Content = "", Results = i == 0 ? c.Results : [] })],
        Hidden = [.. f.Hidden.Select(h => h with { Result = "" })],
    };

    private static bool Before(CandidateStamp c, CandidateStamp best) =>
        c.CreatedAt < best.CreatedAt || (c.CreatedAt == best.CreatedAt && string.CompareOrdinal(c.CandidateId, best.CandidateId) <= 0);

    /// <summary>
    /// A one-shot run: every flow of a variant generated the same number of programs (a fixed sample pool, as in
    /// CodeT's ranking runs), at least two, and hidden tests judged the submissions. Its solve curve over programs is
    /// one step at the pool size, so reports show pass@k and the submitted groups instead.
    /// </summary>
    public static bool IsOneShot(IReadOnlyList<VariantView> variants) =>
        variants.Count > 0 && variants.All(v =>
        {
            var done = v.Flows.Where(f => f.Result.Status == FlowStatus.Completed).ToList();
            return done.Count > 0 && done.All(f => f.Result.Programs == done[0].Result.Programs) && done[0].Result.Programs >= 2
                && v.Flows.Any(f => !f.Result.Hidden.IsEmpty);
        });

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

    /// <summary>
    /// pass@k of the submitted programs for k = 1..the largest submission (at most 100), with the unbiased estimator
    /// per problem. A problem that submitted fewer than k programs counts as solved when any of them passes (all of
    /// them are tried), and one that submitted nothing as 0, so every k has a value; at k = 1 this is the pass@1 metric.
    /// </summary>
    public static (double[] K, double[] PassAtK) PassAtKCurve(VariantView v)
    {
        int max = Math.Clamp(v.Flows.Select(f => f.Submitted).DefaultIfEmpty(1).Max(), 1, 100);
        int problems = Math.Max(1, v.Flows.Length);
        var ks = Enumerable.Range(1, max).Select(k => (double)k).ToArray();
        var ys = ks.Select(k => v.Flows.Sum(f => f.Submitted == 0 ? 0
            : f.Submitted < k ? (f.SubmittedPassing > 0 ? 1.0 : 0.0)
            : PassAtK.Estimate(f.Submitted, f.SubmittedPassing, (int)k)) / problems).ToArray();
        return (ks, ys);
    }
}
