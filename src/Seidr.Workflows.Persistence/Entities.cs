namespace Seidr.Workflows.Persistence;

// The store's tables. Column names are snake_case (see RunStoreContext); every type maps to a plain column type
// on both SQLite and PostgreSQL, so one hand-written migration serves both providers.

/// <summary>One run: what was run (the workflow text and its git commit), with which settings and seed.</summary>
public sealed class RunRow
{
    /// <summary>The run's id: how commands (resume, report) name it.</summary>
    public required string Id { get; set; }
    /// <summary>The workflow's id as its file declares it.</summary>
    public required string WorkflowId { get; set; }
    /// <summary>The workflow's display name, if it has one.</summary>
    public string? WorkflowName { get; set; }
    /// <summary>The workflow file the run was started from.</summary>
    public required string WorkflowPath { get; set; }
    /// <summary>The workflow file's text at the start: a resume refuses a file that has changed since, and the text can be restored from here.</summary>
    public required string WorkflowText { get; set; }
    /// <summary>The repository's commit at the start, for reproducing the run; null outside a git checkout.</summary>
    public string? GitCommit { get; set; }
    /// <summary>The experiment's matrix as JSON (axes, include, exclude).</summary>
    public required string MatrixJson { get; set; }
    /// <summary>The run's settings as JSON (<see cref="RunSettings"/>).</summary>
    public required string SettingsJson { get; set; }
    /// <summary>The run's random seed, which every variant's draws derive from.</summary>
    public int Seed { get; set; }
    /// <summary>Problems of the whole run (all shards).</summary>
    public int TotalProblems { get; set; }
    /// <summary>Variants in the run's matrix.</summary>
    public int TotalVariants { get; set; }
    /// <summary>When the run was first started.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One process working on a run (a first start, a resume, a shard).</summary>
public sealed class SessionRow
{
    /// <summary>The session's key, stamped on the rows it writes.</summary>
    public Guid Id { get; set; }
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>Which shard of the run's problems this session works on (0-based).</summary>
    public int ShardIndex { get; set; }
    /// <summary>How many shards the run's problems are split into.</summary>
    public int ShardCount { get; set; } = 1;
    /// <summary>The machine the process ran on.</summary>
    public required string Host { get; set; }
    /// <summary>The process id on that machine, to find (or kill) the process.</summary>
    public int Pid { get; set; }
    /// <summary>Whether the session continued an existing run rather than starting it.</summary>
    public bool Resumed { get; set; }
    /// <summary>When the process started.</summary>
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>The session's last heartbeat; an old value with status running means the process died.</summary>
    public DateTimeOffset LastSeenAt { get; set; }
    /// <summary>When the session ended; null while it runs or after it was killed.</summary>
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary><c>running</c>, <c>completed</c>, <c>cancelled</c>, <c>failed</c> (a killed process stays <c>running</c> with an old <see cref="LastSeenAt"/>).</summary>
    public required string Status { get; set; }
}

/// <summary>One variant (matrix cell) of a run, with its axis values.</summary>
public sealed class VariantRow
{
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>The variant's id, built from its axis values.</summary>
    public required string VariantId { get; set; }
    /// <summary>The variant's position in the matrix, for stable ordering in reports.</summary>
    public int Ordinal { get; set; }
    /// <summary>The variant's axis values as a JSON object.</summary>
    public required string AxesJson { get; set; }
}

/// <summary>One problem a run works on, with what reports show of it.</summary>
public sealed class ProblemRow
{
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>The problem's id in its dataset.</summary>
    public required string ProblemId { get; set; }
    /// <summary>Position in the run's whole problem selection (before sharding).</summary>
    public int Ordinal { get; set; }
    /// <summary>The dataset the problem came from.</summary>
    public string? Dataset { get; set; }
    /// <summary>The function under test, for function problems.</summary>
    public string? EntryPoint { get; set; }
    /// <summary>The problem's prompt, shown by reports.</summary>
    public string? Prompt { get; set; }
}

/// <summary>A finished flow (problem x variant): the unit of completion, with the whole result as JSON for resuming.</summary>
public sealed class FlowRow
{
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>The variant (matrix cell) of the run.</summary>
    public required string VariantId { get; set; }
    /// <summary>The problem's id in its dataset.</summary>
    public required string ProblemId { get; set; }
    /// <summary>How the flow ended (the engine's flow status, by name).</summary>
    public required string Status { get; set; }
    /// <summary>Whether the submission passed the tests the flow generated or was shown.</summary>
    public bool SolvedByGeneratedTests { get; set; }
    /// <summary>Whether the submission passed the hidden tests; null when the problem has none.</summary>
    public bool? SolvedByHiddenTests { get; set; }
    /// <summary>Programs the flow generated.</summary>
    public int Programs { get; set; }
    /// <summary>Provider calls made.</summary>
    public int Calls { get; set; }
    /// <summary>Of the calls, those answered by the response cache.</summary>
    public int CachedCalls { get; set; }
    /// <summary>Prompt tokens billed.</summary>
    public long InputTokens { get; set; }
    /// <summary>Generated tokens billed.</summary>
    public long OutputTokens { get; set; }
    /// <summary>Money spent, at the model catalog's prices.</summary>
    public decimal Cost { get; set; }
    /// <summary>Wall-clock time the flow took.</summary>
    public double Seconds { get; set; }
    /// <summary>Why the flow failed, or null.</summary>
    public string? Error { get; set; }
    /// <summary>The budget limit the flow ran into, or null.</summary>
    public string? ExhaustedLimit { get; set; }
    /// <summary>The top submitted candidate, or null when nothing was submitted.</summary>
    public string? BestCandidateId { get; set; }
    /// <summary>Model samples lost after their retries (a flow with lost samples runs again on resume).</summary>
    public int FailedSamples { get; set; }
    /// <summary>Provider calls that failed after their retries.</summary>
    public int FailedCalls { get; set; }
    /// <summary>The whole flow result as JSON, read back on resume and by reports.</summary>
    public required string ResultJson { get; set; }
    /// <summary>The session (process) that wrote the row.</summary>
    public Guid SessionId { get; set; }
    /// <summary>When the flow finished.</summary>
    public DateTimeOffset CompletedAt { get; set; }
}

/// <summary>Every candidate with its lineage. <see cref="Score"/> is its score when first written; every later score is an <see cref="ExecutionRow"/>.</summary>
public sealed class CandidateRow
{
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>The variant (matrix cell) of the run.</summary>
    public required string VariantId { get; set; }
    /// <summary>The problem's id in its dataset.</summary>
    public required string ProblemId { get; set; }
    /// <summary>The candidate's id, unique within its flow.</summary>
    public required string CandidateId { get; set; }
    /// <summary>What the candidate is (<c>program</c>, <c>test-set</c>, <c>explanation</c>, ...).</summary>
    public required string Kind { get; set; }
    /// <summary>The candidate's text (a program's source, an explanation).</summary>
    public required string Content { get; set; }
    /// <summary>The candidate it was derived from (a repair's draft); null for a first draft.</summary>
    public string? ParentId { get; set; }
    /// <summary>The activity that made the candidate.</summary>
    public required string Stage { get; set; }
    /// <summary>The model that generated it; null when no model did.</summary>
    public string? Model { get; set; }
    /// <summary>The prompt file it was generated with, if any.</summary>
    public string? Prompt { get; set; }
    /// <summary>How many repair generations separate it from a draft (drafts are 0).</summary>
    public int Generation { get; set; }
    /// <summary>Its score when first written; null when not yet run.</summary>
    public double? Score { get; set; }
    /// <summary>Extra labels stages set on it, as a JSON object.</summary>
    public required string TagsJson { get; set; }
    /// <summary>When it was made; reports use it to tell what a flow had spent when it solved the problem.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One execution (or ranking) result of a candidate: its score and per-test results.</summary>
public sealed class ExecutionRow
{
    /// <summary>The row's key.</summary>
    public Guid Id { get; set; }
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>The variant (matrix cell) of the run.</summary>
    public required string VariantId { get; set; }
    /// <summary>The problem's id in its dataset.</summary>
    public required string ProblemId { get; set; }
    /// <summary>The candidate's id, unique within its flow.</summary>
    public required string CandidateId { get; set; }
    /// <summary>The score (share of tests passed, or a ranking's score); null when it could not be run.</summary>
    public double? Score { get; set; }
    /// <summary>Tests passed.</summary>
    public int Passed { get; set; }
    /// <summary>Tests run.</summary>
    public int Total { get; set; }
    /// <summary>Per-test results as JSON.</summary>
    public required string ResultsJson { get; set; }
    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; set; }
}

/// <summary>One model call: tokens, cost, latency, whether the response cache answered it, its prompt and its answers.</summary>
public sealed class ModelCallRow
{
    /// <summary>The row's key.</summary>
    public Guid Id { get; set; }
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>The variant (matrix cell) of the run.</summary>
    public required string VariantId { get; set; }
    /// <summary>The problem's id in its dataset.</summary>
    public required string ProblemId { get; set; }
    /// <summary>The activity that made the call.</summary>
    public required string ActivityId { get; set; }
    /// <summary>The logical model name.</summary>
    public required string Model { get; set; }
    /// <summary>Provider calls made.</summary>
    public int Calls { get; set; }
    /// <summary>Prompt tokens billed.</summary>
    public long InputTokens { get; set; }
    /// <summary>Generated tokens billed.</summary>
    public long OutputTokens { get; set; }
    /// <summary>Money spent, at the model catalog's prices.</summary>
    public decimal Cost { get; set; }
    /// <summary>How long the request took, in milliseconds.</summary>
    public double LatencyMs { get; set; }
    /// <summary>Whether the response cache answered it (no tokens billed).</summary>
    public bool Cached { get; set; }
    /// <summary>The prompt file the call rendered (null when the stage did not say).</summary>
    public string? Prompt { get; set; }
    /// <summary>The answer texts, one per sample, as a JSON array (null when the stage did not record them).</summary>
    public string? AnswersJson { get; set; }
    /// <summary>Samples asked for, and of them those lost after their retries.</summary>
    public int Samples { get; set; }
    /// <summary>Samples lost after their retries.</summary>
    public int FailedSamples { get; set; }
    /// <summary>The first failure ("Kind: message"), or null.</summary>
    public string? Error { get; set; }
    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; set; }
}

/// <summary>An engine event with its timestamp (activity started/completed/failed, budget exhausted, flow and run ends).</summary>
public sealed class EventRow
{
    /// <summary>The row's key.</summary>
    public Guid Id { get; set; }
    /// <summary>The run the row belongs to.</summary>
    public required string RunId { get; set; }
    /// <summary>The session (process) that wrote the row.</summary>
    public Guid SessionId { get; set; }
    /// <summary>The event's kind (activity started, budget exhausted, ...).</summary>
    public required string Type { get; set; }
    /// <summary>The variant it concerns; null for run-wide events.</summary>
    public string? VariantId { get; set; }
    /// <summary>The problem it concerns; null for run-wide events.</summary>
    public string? ProblemId { get; set; }
    /// <summary>The activity it concerns, if any.</summary>
    public string? ActivityId { get; set; }
    /// <summary>The loop iteration it happened in, if any.</summary>
    public int? Iteration { get; set; }
    /// <summary>Event-specific details as JSON, if any.</summary>
    public string? Data { get; set; }
    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; set; }
}
