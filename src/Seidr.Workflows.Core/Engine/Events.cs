namespace Seidr.Workflows.Engine;

/// <summary>Identifies one problem-variant flow of a run.</summary>
public readonly record struct FlowKey(string VariantId, string ProblemId)
{
    public override string ToString() => $"{VariantId}/{ProblemId}";
}

/// <summary>Everything the engine tells its observers (progress display, run store, telemetry).</summary>
public abstract record RunEvent
{
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;
}

public sealed record RunStarted(string RunId, string WorkflowId, IReadOnlyList<Variant> Variants, int Problems) : RunEvent;
public sealed record ActivityStarted(FlowKey Flow, string ActivityId, int Iteration, int InputCount) : RunEvent;
public sealed record ActivityCompleted(FlowKey Flow, string ActivityId, int Iteration, IReadOnlyList<KeyValuePair<string, int>> Emitted, TimeSpan Duration) : RunEvent;
public sealed record ActivityFailed(FlowKey Flow, string ActivityId, int Iteration, string Error) : RunEvent;
public sealed record CandidateCreated(FlowKey Flow, Candidate Candidate) : RunEvent;
public sealed record CandidateScored(FlowKey Flow, Candidate Candidate) : RunEvent;
public sealed record ModelCallRecorded(FlowKey Flow, string ActivityId, ModelUsage Usage) : RunEvent;
public sealed record BudgetExhausted(FlowKey Flow, string ActivityId, string Limit) : RunEvent;
public sealed record FlowCompleted(FlowResult Result) : RunEvent;
public sealed record RunCompleted(RunResult Result) : RunEvent;

/// <summary>What one model call cost (and, when the caller gives them, its prompt and answers, for the run store).</summary>
public sealed record ModelUsage(string Model, int Calls, long InputTokens, long OutputTokens, decimal Cost, TimeSpan Latency, bool Cached)
{
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
    void OnEvent(RunEvent e);
}

/// <summary>An observer from a delegate.</summary>
public sealed class DelegateObserver(Action<RunEvent> onEvent) : IRunObserver
{
    public void OnEvent(RunEvent e) => onEvent(e);
}
