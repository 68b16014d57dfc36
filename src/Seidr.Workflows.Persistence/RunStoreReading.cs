using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace Seidr.Workflows.Persistence;

// Reads for reports that stay bounded in memory on full experiments: a run's small tables at once, its flows one
// at a time, and its candidates and executions one flow at a time (LoadRunAsync loads every table whole: the full
// CodeT run holds ~0.5 GB of flow results and executions).
public sealed partial class RunStore
{
    /// <summary>A run's small tables (run, variants, problems, sessions) and how many flows it has finished.</summary>
    public async Task<RunHeader> LoadRunHeaderAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        var run = await ctx.Runs.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken)
            ?? throw new RunStoreException($"no run '{runId}' in {Location}{Suggest(await ctx.Runs.Select(r => r.Id).ToListAsync(cancellationToken), runId)}");
        var variants = await ctx.Variants.Where(v => v.RunId == runId).ToListAsync(cancellationToken);
        var problems = await ctx.Problems.Where(p => p.RunId == runId).ToListAsync(cancellationToken);
        var sessions = await ctx.Sessions.Where(s => s.RunId == runId).ToListAsync(cancellationToken);
        var flows = await ctx.Flows.CountAsync(f => f.RunId == runId, cancellationToken);
        return new RunHeader(run, [.. variants.OrderBy(v => v.Ordinal)], [.. problems.OrderBy(p => p.Ordinal)], [.. sessions.OrderBy(s => s.StartedAt)], flows);
    }

    /// <summary>A run's finished flows, one row at a time (a flow's result JSON holds its whole submission: up to megabytes).</summary>
    public async IAsyncEnumerable<FlowRow> StreamFlowsAsync(string runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        await foreach (var row in ctx.Flows.Where(f => f.RunId == runId).AsAsyncEnumerable().WithCancellation(cancellationToken))
            yield return row;
    }

    /// <summary>A run's model calls without their prompts and answers: what reports add up (spend per flow, stage and time).</summary>
    public async Task<IReadOnlyList<CallSpend>> LoadCallSpendAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        var rows = await ctx.ModelCalls.Where(c => c.RunId == runId)
            .Select(c => new CallSpend(c.VariantId, c.ProblemId, c.ActivityId, c.Calls, c.InputTokens, c.OutputTokens, c.Cost, c.At))
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(c => c.At)];
    }

    /// <summary>One flow's candidates without their content: ids, kinds and times (to count what came before a solve).</summary>
    public async Task<IReadOnlyList<CandidateStamp>> LoadCandidateStampsAsync(string runId, string variantId, string problemId, CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        return await ctx.Candidates.Where(c => c.RunId == runId && c.VariantId == variantId && c.ProblemId == problemId)
            .Select(c => new CandidateStamp(c.CandidateId, c.Kind, c.CreatedAt)).ToListAsync(cancellationToken);
    }

    /// <summary>One flow's candidates (with content) and executions (with per-test results), executions in time order.</summary>
    public async Task<FlowDetail> LoadFlowDetailAsync(string runId, string variantId, string problemId, bool withTestResults = true, CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        var candidates = await ctx.Candidates.Where(c => c.RunId == runId && c.VariantId == variantId && c.ProblemId == problemId).ToListAsync(cancellationToken);
        var query = ctx.Executions.Where(e => e.RunId == runId && e.VariantId == variantId && e.ProblemId == problemId);
        var executions = withTestResults
            ? await query.ToListAsync(cancellationToken)
            : await query.Select(e => new ExecutionRow
            {
                Id = e.Id, RunId = e.RunId, VariantId = e.VariantId, ProblemId = e.ProblemId, CandidateId = e.CandidateId,
                Score = e.Score, Passed = e.Passed, Total = e.Total, ResultsJson = "[]", At = e.At,
            }).ToListAsync(cancellationToken);
        return new FlowDetail([.. candidates.OrderBy(c => c.CreatedAt).ThenBy(c => c.CandidateId, StringComparer.Ordinal)],
            [.. executions.OrderBy(e => e.At).ThenBy(e => e.Id)]);
    }
}

/// <summary>A run's small tables, without its flows, candidates, executions and calls.</summary>
public sealed record RunHeader(RunRow Run, ImmutableArray<VariantRow> Variants, ImmutableArray<ProblemRow> Problems, ImmutableArray<SessionRow> Sessions, int FlowCount)
{
    /// <summary>The settings the run was started with.</summary>
    public RunSettings Settings => RunStore.SettingsOf(Run);

    /// <summary>The engine's variant for a stored variant row (its id and axis values).</summary>
    public Engine.Variant VariantOf(VariantRow row) =>
        new(row.VariantId, StoreJson.Deserialize<string[][]>(row.AxesJson).Select(a => new KeyValuePair<string, string>(a[0], a[1])).ToImmutableArray());
}

/// <summary>What one model call spent, without its prompt and answers.</summary>
public sealed record CallSpend(string VariantId, string ProblemId, string ActivityId, int Calls, long InputTokens, long OutputTokens, decimal Cost, DateTimeOffset At)
{
    /// <summary>Prompt and generated tokens together.</summary>
    public long Tokens => InputTokens + OutputTokens;
}

/// <summary>A candidate's id, kind and creation time.</summary>
public sealed record CandidateStamp(string CandidateId, string Kind, DateTimeOffset CreatedAt);

/// <summary>One flow's candidates and executions.</summary>
public sealed record FlowDetail(ImmutableArray<CandidateRow> Candidates, ImmutableArray<ExecutionRow> Executions);
