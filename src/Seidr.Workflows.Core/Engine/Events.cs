namespace Seidr.Workflows.Engine;

/// <summary>Identifies one problem-variant flow of a run.</summary>
/// <param name="VariantId">The variant's <see cref="Variant.Id"/>.</param>
/// <param name="ProblemId">The problem's id (<c>HumanEval/0</c>, ...).</param>
public readonly record struct FlowKey(string VariantId, string ProblemId)
{
    /// <summary><c>{variant}/{problem}</c>, as logs and spans name the flow.</summary>
    public override string ToString() => $"{VariantId}/{ProblemId}";
}

/// <summary>Everything the engine tells its observers (progress display, run store, telemetry).</summary>
public abstract record RunEvent
{
    /// <summary>When the event was made (UTC).</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>A run began; the first event of every run.</summary>
/// <param name="RunId">The run's id.</param>
/// <param name="WorkflowId">The workflow's definition id.</param>
/// <param name="Variants">The variants that will run, in matrix order.</param>
/// <param name="Problems">How many problems each variant runs.</param>
public sealed record RunStarted(string RunId, string WorkflowId, IReadOnlyList<Variant> Variants, int Problems) : RunEvent;

/// <summary>An activity began an invocation (not sent for one skipped because its flow's budget is spent).</summary>
/// <param name="Flow">The flow it runs in.</param>
/// <param name="ActivityId">The node's id.</param>
/// <param name="Iteration">How many times it ran before in this flow.</param>
/// <param name="InputCount">Candidates in its input.</param>
public sealed record ActivityStarted(FlowKey Flow, string ActivityId, int Iteration, int InputCount) : RunEvent;

/// <summary>An activity finished an invocation.</summary>
/// <param name="Flow">The flow it ran in.</param>
/// <param name="ActivityId">The node's id.</param>
/// <param name="Iteration">How many times it ran before in this flow.</param>
/// <param name="Emitted">Port and number of candidates sent there, in the order emitted.</param>
/// <param name="Duration">Time the invocation took.</param>
public sealed record ActivityCompleted(FlowKey Flow, string ActivityId, int Iteration, IReadOnlyList<KeyValuePair<string, int>> Emitted, TimeSpan Duration) : RunEvent;

/// <summary>An activity threw; its flow fails (or the run stops, for a <see cref="RunAbortedException"/>).</summary>
/// <param name="Flow">The flow it ran in.</param>
/// <param name="ActivityId">The node's id.</param>
/// <param name="Iteration">How many times it ran before in this flow.</param>
/// <param name="Error">The exception's message.</param>
public sealed record ActivityFailed(FlowKey Flow, string ActivityId, int Iteration, string Error) : RunEvent;

/// <summary>An activity created a candidate (<see cref="ActivityContext.Create"/>).</summary>
/// <param name="Flow">The flow it belongs to.</param>
/// <param name="Candidate">The new candidate.</param>
public sealed record CandidateCreated(FlowKey Flow, Candidate Candidate) : RunEvent;

/// <summary>A candidate has a new score or test results (<see cref="ActivityContext.Scored"/>).</summary>
/// <param name="Flow">The flow it belongs to.</param>
/// <param name="Candidate">The candidate as scored.</param>
public sealed record CandidateScored(FlowKey Flow, Candidate Candidate) : RunEvent;

/// <summary>An activity made model calls (<see cref="ActivityContext.RecordModelCall"/>).</summary>
/// <param name="Flow">The flow that pays for them.</param>
/// <param name="ActivityId">The node that made them.</param>
/// <param name="Usage">What they cost.</param>
public sealed record ModelCallRecorded(FlowKey Flow, string ActivityId, ModelUsage Usage) : RunEvent;

/// <summary>A spending activity found its flow's budget spent, or emitted on its <c>Exhausted</c> port.</summary>
/// <param name="Flow">The flow whose budget is spent.</param>
/// <param name="ActivityId">The node that did not run, or that emitted on <c>Exhausted</c>.</param>
/// <param name="Limit">The limit reached (<c>max_programs</c>, <c>calls</c>, <c>tokens</c>, <c>time</c>, <c>cost</c>, a run limit).</param>
public sealed record BudgetExhausted(FlowKey Flow, string ActivityId, string Limit) : RunEvent;

/// <summary>A flow finished and was judged (not sent for a cancelled flow, nor one taken from an earlier run).</summary>
/// <param name="Result">The flow's result.</param>
public sealed record FlowCompleted(FlowResult Result) : RunEvent;

/// <summary>The run ended; the last event of every run.</summary>
/// <param name="Result">The run's result.</param>
public sealed record RunCompleted(RunResult Result) : RunEvent;

/// <summary>What one model call cost (and, when the caller gives them, its prompt and answers, for the run store).</summary>
/// <param name="Model">The model's name in the workflow.</param>
/// <param name="Calls">Provider calls made (or answered from the cache).</param>
/// <param name="InputTokens">Prompt tokens.</param>
/// <param name="OutputTokens">Answer tokens.</param>
/// <param name="Cost">What the calls cost, in the currency of the model's price.</param>
/// <param name="Latency">Time until the answers arrived.</param>
/// <param name="Cached">Whether the answers came from the response cache.</param>
public sealed record ModelUsage(string Model, int Calls, long InputTokens, long OutputTokens, decimal Cost, TimeSpan Latency, bool Cached)
{
    /// <summary>Input and output tokens together.</summary>
    public long Tokens => InputTokens + OutputTokens;

    /// <summary>The prompt file the call rendered.</summary>
    public string? Prompt { get; init; }

    /// <summary>The answer texts, one per sample (null when not recorded).</summary>
    public IReadOnlyList<string>? Answers { get; init; }

    /// <summary>Samples asked for (cached or not).</summary>
    public int Samples { get; init; }

    /// <summary>Of <see cref="Samples"/>, those the model layer could not deliver after its retries: lost to the stage.</summary>
    public int FailedSamples { get; init; }

    /// <summary>Provider calls that failed after their retries (one call may carry several samples).</summary>
    public int FailedCalls { get; init; }

    /// <summary>Attempts beyond the first of each provider call (retries after 429s, 5xx, resets, timeouts, bad answers).</summary>
    public int Retries { get; init; }

    /// <summary>The first failure, as "Kind: message" (never an API key), or null.</summary>
    public string? Error { get; init; }
}

/// <summary>Receives run events. Called synchronously from engine threads: keep it quick and thread-safe.</summary>
public interface IRunObserver
{
    /// <summary>Takes one event, on the engine thread that made it.</summary>
    void OnEvent(RunEvent e);
}

/// <summary>An observer from a delegate.</summary>
/// <param name="onEvent">Called with every event.</param>
public sealed class DelegateObserver(Action<RunEvent> onEvent) : IRunObserver
{
    /// <summary>Passes the event to the delegate.</summary>
    public void OnEvent(RunEvent e) => onEvent(e);
}
