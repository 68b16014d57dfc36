namespace Seidr.Workflows.Persistence;

// The store's tables. Column names are snake_case (see RunStoreContext); every type maps to a plain column type
// on both SQLite and PostgreSQL, so one hand-written migration serves both providers.

/// <summary>One run: what was run (the workflow text and its git commit), with which settings and seed.</summary>
public sealed class RunRow
{
    public required string Id { get; set; }
    public required string WorkflowId { get; set; }
    public string? WorkflowName { get; set; }
    public required string WorkflowPath { get; set; }
    public required string WorkflowText { get; set; }
    public string? GitCommit { get; set; }
    /// <summary>The experiment's matrix as JSON (axes, include, exclude).</summary>
    public required string MatrixJson { get; set; }
    /// <summary>The run's settings as JSON (<see cref="RunSettings"/>).</summary>
    public required string SettingsJson { get; set; }
    public int Seed { get; set; }
    /// <summary>Problems of the whole run (all shards).</summary>
    public int TotalProblems { get; set; }
    public int TotalVariants { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One process working on a run (a first start, a resume, a shard).</summary>
public sealed class SessionRow
{
    public Guid Id { get; set; }
    public required string RunId { get; set; }
    public int ShardIndex { get; set; }
    public int ShardCount { get; set; } = 1;
    public required string Host { get; set; }
    public int Pid { get; set; }
    public bool Resumed { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary><c>running</c>, <c>completed</c>, <c>cancelled</c>, <c>failed</c> (a killed process stays <c>running</c> with an old <see cref="LastSeenAt"/>).</summary>
    public required string Status { get; set; }
}

public sealed class VariantRow
{
    public required string RunId { get; set; }
    public required string VariantId { get; set; }
    public int Ordinal { get; set; }
    public required string AxesJson { get; set; }
}

public sealed class ProblemRow
{
    public required string RunId { get; set; }
    public required string ProblemId { get; set; }
    /// <summary>Position in the run's whole problem selection (before sharding).</summary>
    public int Ordinal { get; set; }
    public string? Dataset { get; set; }
    public string? EntryPoint { get; set; }
    public string? Prompt { get; set; }
}

/// <summary>A finished flow (problem x variant): the unit of completion, with the whole result as JSON for resuming.</summary>
public sealed class FlowRow
{
    public required string RunId { get; set; }
    public required string VariantId { get; set; }
    public required string ProblemId { get; set; }
    public required string Status { get; set; }
    public bool SolvedByGeneratedTests { get; set; }
    public bool? SolvedByHiddenTests { get; set; }
    public int Programs { get; set; }
    public int Calls { get; set; }
    public int CachedCalls { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public decimal Cost { get; set; }
    public double Seconds { get; set; }
    public string? Error { get; set; }
    public string? ExhaustedLimit { get; set; }
    public string? BestCandidateId { get; set; }
    /// <summary>Model samples lost after their retries (a flow with lost samples runs again on resume).</summary>
    public int FailedSamples { get; set; }
    public int FailedCalls { get; set; }
    public required string ResultJson { get; set; }
    public Guid SessionId { get; set; }
    public DateTimeOffset CompletedAt { get; set; }
}

/// <summary>Every candidate with its lineage. <see cref="Score"/> is its score when first written; every later score is an <see cref="ExecutionRow"/>.</summary>
public sealed class CandidateRow
{
    public required string RunId { get; set; }
    public required string VariantId { get; set; }
    public required string ProblemId { get; set; }
    public required string CandidateId { get; set; }
    public required string Kind { get; set; }
    public required string Content { get; set; }
    public string? ParentId { get; set; }
    public required string Stage { get; set; }
    public string? Model { get; set; }
    public string? Prompt { get; set; }
    public int Generation { get; set; }
    public double? Score { get; set; }
    public required string TagsJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One execution (or ranking) result of a candidate: its score and per-test results.</summary>
public sealed class ExecutionRow
{
    public Guid Id { get; set; }
    public required string RunId { get; set; }
    public required string VariantId { get; set; }
    public required string ProblemId { get; set; }
    public required string CandidateId { get; set; }
    public double? Score { get; set; }
    public int Passed { get; set; }
    public int Total { get; set; }
    public required string ResultsJson { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>One model call: tokens, cost, latency, whether the response cache answered it, its prompt and its answers.</summary>
public sealed class ModelCallRow
{
    public Guid Id { get; set; }
    public required string RunId { get; set; }
    public required string VariantId { get; set; }
    public required string ProblemId { get; set; }
    public required string ActivityId { get; set; }
    public required string Model { get; set; }
    public int Calls { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public decimal Cost { get; set; }
    public double LatencyMs { get; set; }
    public bool Cached { get; set; }
    /// <summary>The prompt file the call rendered (null when the stage did not say).</summary>
    public string? Prompt { get; set; }
    /// <summary>The answer texts, one per sample, as a JSON array (null when the stage did not record them).</summary>
    public string? AnswersJson { get; set; }
    /// <summary>Samples asked for, and of them those lost after their retries.</summary>
    public int Samples { get; set; }
    public int FailedSamples { get; set; }
    /// <summary>The first failure ("Kind: message"), or null.</summary>
    public string? Error { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>An engine event with its timestamp (activity started/completed/failed, budget exhausted, flow and run ends).</summary>
public sealed class EventRow
{
    public Guid Id { get; set; }
    public required string RunId { get; set; }
    public Guid SessionId { get; set; }
    public required string Type { get; set; }
    public string? VariantId { get; set; }
    public string? ProblemId { get; set; }
    public string? ActivityId { get; set; }
    public int? Iteration { get; set; }
    public string? Data { get; set; }
    public DateTimeOffset At { get; set; }
}
