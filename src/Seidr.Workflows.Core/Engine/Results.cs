using System.Collections.Immutable;

namespace Seidr.Workflows.Engine;

public enum FlowStatus { Completed, BudgetExhausted, Failed, Cancelled }

/// <summary>How one submitted program fared on the hidden tests.</summary>
public sealed record HiddenVerdict(string CandidateId, bool Passed, string Result);

/// <summary>The outcome of one problem under one variant.</summary>
public sealed record FlowResult
{
    public required FlowKey Key { get; init; }
    public required FlowStatus Status { get; init; }

    /// <summary>Programs the flow submitted, best first.</summary>
    public ImmutableArray<Candidate> Submission { get; init; } = [];

    /// <summary>Verdicts of the submitted programs on the hidden tests, in submission order (empty when the problem has none).</summary>
    public ImmutableArray<HiddenVerdict> Hidden { get; init; } = [];

    public ImmutableSortedDictionary<string, bool> Flags { get; init; } = ImmutableSortedDictionary<string, bool>.Empty;

    /// <summary>Numbers a flow's activities recorded (rounds, samples drawn per kind, ...), averaged and summarised into metrics.</summary>
    public ImmutableSortedDictionary<string, double> Measures { get; init; } = ImmutableSortedDictionary<string, double>.Empty;

    /// <summary>How good the flow's generated tests were, by the judge's reference solution (null: no tests or no reference).</summary>
    public TestQuality? TestQuality { get; init; }
    public int Programs { get; init; }
    public int Calls { get; init; }
    public int CachedCalls { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal Cost { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Error { get; init; }
    public string? ExhaustedLimit { get; init; }

    /// <summary>Model samples the flow asked for.</summary>
    public int Samples { get; init; }

    /// <summary>Model samples lost after their retries: the flow ran on less than it asked for.</summary>
    public int FailedSamples { get; init; }

    /// <summary>Provider calls that failed after their retries.</summary>
    public int FailedCalls { get; init; }

    /// <summary>Retries of provider calls (each recovered or not).</summary>
    public int Retries { get; init; }

    /// <summary>The first model failure ("Kind: message"), when <see cref="FailedSamples"/> is not 0.</summary>
    public string? ModelError { get; init; }

    /// <summary>The flow lost model samples: its result is not what the workflow asked for, and a resume runs it again.</summary>
    public bool LostSamples => FailedSamples > 0 || FailedCalls > 0;

    public long Tokens => InputTokens + OutputTokens;

    /// <summary>The top submitted program passed every test it was executed on (generated or visible tests).</summary>
    public bool SolvedByGeneratedTests => !Submission.IsEmpty && Submission[0].PassedAll;

    /// <summary>The top submitted program passed the hidden tests.</summary>
    public bool SolvedByHiddenTests => !Hidden.IsEmpty && Hidden[0].Passed;
}

/// <summary>
/// The judge's view of a flow's generated tests, from the problem's reference solution, which no stage sees. Tests are
/// the distinct generated test cases the flow drew; programs the distinct program texts it drew.
/// </summary>
public sealed record TestQuality
{
    /// <summary>Distinct generated test cases.</summary>
    public int Tests { get; init; }

    /// <summary>Of <see cref="Tests"/>, those the reference solution passes.</summary>
    public int ValidTests { get; init; }

    /// <summary>The submitted test set: the generated tests the top submitted program passed.</summary>
    public int SubmittedTests { get; init; }

    /// <summary>Of <see cref="SubmittedTests"/>, those the reference solution fails.</summary>
    public int SubmittedInvalid { get; init; }

    /// <summary>Distinct programs that fail the hidden tests.</summary>
    public int WrongPrograms { get; init; }

    /// <summary>Of <see cref="WrongPrograms"/>, those that fail at least one valid generated test.</summary>
    public int WrongCaught { get; init; }

    /// <summary>A submitted test set exists and the reference solution passes all of it.</summary>
    public bool SubmittedValid => SubmittedTests > 0 && SubmittedInvalid == 0;
}

/// <summary>The results of one variant over all problems, with its metrics.</summary>
public sealed record VariantResult(Variant Variant, ImmutableArray<FlowResult> Flows, ImmutableSortedDictionary<string, double> Metrics);

public enum RunStatus { Completed, Cancelled, Failed }

/// <summary>
/// The one table of run-status names, as summary.json, the run store and <c>seidr runs</c> write them: the three
/// ends of <see cref="RunStatus"/>, and the two states only a stored run has (still running, or left interrupted).
/// </summary>
public static class RunStatusNames
{
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";

    /// <summary>A stored run with a live session.</summary>
    public const string Running = "running";

    /// <summary>A stored run whose sessions ended (or died) before every flow finished: <c>--resume</c> finishes it.</summary>
    public const string Interrupted = "interrupted";

    public static string Of(RunStatus status) => status switch
    {
        RunStatus.Completed => Completed,
        RunStatus.Cancelled => Cancelled,
        _ => Failed,
    };
}

public sealed record RunResult
{
    public required string RunId { get; init; }
    public required string WorkflowId { get; init; }
    public required RunStatus Status { get; init; }
    public required ImmutableArray<VariantResult> Variants { get; init; }
    public TimeSpan Duration { get; init; }

    /// <summary>Why the run stopped before its end (<see cref="RunStatus.Failed"/>), or null.</summary>
    public string? Error { get; init; }
}
