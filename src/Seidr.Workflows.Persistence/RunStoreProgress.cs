using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;

namespace Seidr.Workflows.Persistence;

// Progress of a run while it runs, for a page that follows it from another process: a few aggregate queries over
// indexed columns (flows and model calls by run), never a flow's result JSON, so a poll costs the same at any size.
public sealed partial class RunStore
{
    /// <summary>Per-variant progress of a run: finished flows and their solves, and what every model call spent so far.</summary>
    public async Task<RunProgress> LoadProgressAsync(string runId, CancellationToken cancellationToken = default)
    {
        var listing = await FindListingAsync(runId, cancellationToken)
            ?? throw new RunStoreException($"no run '{runId}' in {Location}");
        await using var ctx = NewContext();
        var run = await ctx.Runs.Where(r => r.Id == runId).Select(r => new { r.TotalProblems }).FirstAsync(cancellationToken);
        var variants = await ctx.Variants.Where(v => v.RunId == runId).OrderBy(v => v.Ordinal).Select(v => v.VariantId).ToListAsync(cancellationToken);
        var flows = await ctx.Flows.Where(f => f.RunId == runId)
            .GroupBy(f => f.VariantId)
            .Select(g => new
            {
                Variant = g.Key,
                Done = g.Count(),
                Hidden = g.Count(f => f.SolvedByHiddenTests != null),
                SolvedHidden = g.Count(f => f.SolvedByHiddenTests == true),
                SolvedGenerated = g.Count(f => f.SolvedByGeneratedTests),
                Seconds = g.Sum(f => f.Seconds),
            }).ToListAsync(cancellationToken);
        // Calls are summed from the call log, not from finished flows: they grow while a flow is still running.
        // Cost is summed client-side: SQLite cannot sum decimals in SQL.
        var calls = await ctx.ModelCalls.Where(c => c.RunId == runId)
            .GroupBy(c => c.VariantId)
            .Select(g => new { Variant = g.Key, Calls = g.Sum(c => c.Calls), Tokens = g.Sum(c => c.InputTokens + c.OutputTokens) })
            .ToListAsync(cancellationToken);
        var costs = (await ctx.ModelCalls.Where(c => c.RunId == runId && c.Cost != 0m).Select(c => new { c.VariantId, c.Cost }).ToListAsync(cancellationToken))
            .GroupBy(c => c.VariantId).ToDictionary(g => g.Key, g => g.Sum(c => c.Cost));
        var byFlow = flows.ToDictionary(f => f.Variant);
        var byCall = calls.ToDictionary(c => c.Variant);
        var rows = variants.Select(v =>
        {
            var f = byFlow.GetValueOrDefault(v);
            var c = byCall.GetValueOrDefault(v);
            var done = f?.Done ?? 0;
            // As the engine's metrics do: hidden tests decide when the flows have them, else the generated tests.
            var solved = f is null ? 0 : f.Hidden > 0 ? f.SolvedHidden : f.SolvedGenerated;
            return new VariantProgress(v, done, run.TotalProblems, solved, c?.Calls ?? 0, c?.Tokens ?? 0, costs.GetValueOrDefault(v), f?.Seconds ?? 0);
        }).ToImmutableArray();
        return new RunProgress(listing, rows);
    }

    /// <summary>How many variants each run of the store has (for listings).</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountVariantsAsync(CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        return await ctx.Variants.GroupBy(v => v.RunId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
    }
}

/// <summary>A run's status and per-variant progress as the store has it now.</summary>
public sealed record RunProgress(RunListing Listing, ImmutableArray<VariantProgress> Variants);

/// <summary>One variant's progress: flows done of its total, solved among them, and what its model calls spent so far.</summary>
public sealed record VariantProgress(string VariantId, int FlowsDone, int FlowsTotal, int Solved, int Calls, long Tokens, decimal Cost, double FlowSeconds)
{
    /// <summary>Solved share of the flows done so far (0 before the first one).</summary>
    public double SolvedShare => FlowsDone == 0 ? 0 : (double)Solved / FlowsDone;
}
