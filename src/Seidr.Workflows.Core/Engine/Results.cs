using System.Collections.Immutable;

namespace Seidr.Workflows.Engine;

/// <summary>How a flow ended.</summary>
public enum FlowStatus
{
    /// <summary>Ran until no activity had input left, or until a submission stopped it.</summary>
    Completed,

    /// <summary>Its budget ran out before it submitted anything.</summary>
    BudgetExhausted,

    /// <summary>An activity failed or a loop ran away; <see cref="FlowResult.Error"/> says which.</summary>
    Failed,

    /// <summary>Stopped by the run's cancellation; such a flow is not reported and runs again on resume.</summary>
    Cancelled,
}

/// <summary>How one submitted program fared on the hidden tests.</summary>
/// <param name="CandidateId">The submitted program's <see cref="Candidate.Id"/>.</param>
/// <param name="Passed">Whether it passed every hidden test.</param>
/// <param name="Result">The judge's short account (<c>passed</c>, or the first failure).</param>
public sealed record HiddenVerdict(string CandidateId, bool Passed, string Result);

/// <summary>The outcome of one problem under one variant.</summary>
public sealed record FlowResult
{
    /// <summary>The variant and problem of the flow.</summary>
    public required FlowKey Key { get; init; }

    /// <summary>How the flow ended.</summary>
    public required FlowStatus Status { get; init; }

    /// <summary>Programs the flow submitted, best first.</summary>
    public ImmutableArray<Candidate> Submission { get; init; } = [];

    /// <summary>Verdicts of the submitted programs on the hidden tests, in submission order (empty when the problem has none).</summary>
    public ImmutableArray<HiddenVerdict> Hidden { get; init; } = [];

    /// <summary>Flags the flow's activities set (<c>aligned</c>, ...); metrics report the share of flows with each set.</summary>
    public ImmutableSortedDictionary<string, bool> Flags { get; init; } = ImmutableSortedDictionary<string, bool>.Empty;

    /// <summary>Numbers a flow's activities recorded (rounds, samples drawn per kind, ...), averaged and summarised into metrics.</summary>
    public ImmutableSortedDictionary<string, double> Measures { get; init; } = ImmutableSortedDictionary<string, double>.Empty;

    /// <summary>How good the flow's generated tests were, by the judge's reference solution (null: no tests or no reference).</summary>
    public TestQuality? TestQuality { get; init; }

    /// <summary>Programs the flow created.</summary>
    public int Programs { get; init; }

    /// <summary>Model calls, cached answers included.</summary>
    public int Calls { get; init; }

    /// <summary>Of <see cref="Calls"/>, those answered from the response cache.</summary>
    public int CachedCalls { get; init; }

    /// <summary>Prompt tokens of the flow's model calls.</summary>
    public long InputTokens { get; init; }

    /// <summary>Answer tokens of the flow's model calls.</summary>
    public long OutputTokens { get; init; }

    /// <summary>What the model calls cost, in the currency of the models' prices.</summary>
    public decimal Cost { get; init; }

    /// <summary>Wall-clock time from the flow's start to its end.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Why the flow failed (<see cref="FlowStatus.Failed"/>), or null.</summary>
    public string? Error { get; init; }

    /// <summary>The budget limit the flow ran into (<c>max_programs</c>, <c>calls</c>, <c>tokens</c>, <c>time</c>, <c>cost</c>, or a run limit), or null.</summary>
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

    /// <summary>Input and output tokens together.</summary>
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
/// <param name="Variant">The point of the matrix.</param>
/// <param name="Flows">One result per problem that finished, in problem order.</param>
/// <param name="Metrics">The variant's figures by name (<c>solved_share</c>, <c>pass@1</c>, <c>calls</c>, ...), from <see cref="Engine.Metrics.Compute"/>.</param>
public sealed record VariantResult(Variant Variant, ImmutableArray<FlowResult> Flows, ImmutableSortedDictionary<string, double> Metrics);

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    /// <summary>Every flow ran to its end.</summary>
    Completed,

    /// <summary>Cancelled by the caller; the finished flows are kept.</summary>
    Cancelled,

    /// <summary>Stopped by a <see cref="RunAbortedException"/>; <see cref="RunResult.Error"/> says why.</summary>
    Failed,
}

/// <summary>
/// The one table of run-status names, as summary.json, the run store and <c>seidr runs</c> write them: the three
/// ends of <see cref="RunStatus"/>, and the two states only a stored run has (still running, or left interrupted).
/// </summary>
public static class RunStatusNames
{
    /// <summary><see cref="RunStatus.Completed"/>.</summary>
    public const string Completed = "completed";

    /// <summary><see cref="RunStatus.Cancelled"/>.</summary>
    public const string Cancelled = "cancelled";

    /// <summary><see cref="RunStatus.Failed"/>.</summary>
    public const string Failed = "failed";

    /// <summary>A stored run with a live session.</summary>
    public const string Running = "running";

    /// <summary>A stored run whose sessions ended (or died) before every flow finished: <c>--resume</c> finishes it.</summary>
    public const string Interrupted = "interrupted";

    /// <summary>The name written for <paramref name="status"/>.</summary>
    public static string Of(RunStatus status) => status switch
    {
        RunStatus.Completed => Completed,
        RunStatus.Cancelled => Cancelled,
        _ => Failed,
    };
}

/// <summary>What a run produced: one result per variant, and how the run ended.</summary>
public sealed record RunResult
{
    /// <summary>The run's id (see <see cref="RunOptions.RunId"/>).</summary>
    public required string RunId { get; init; }

    /// <summary>The workflow's <see cref="Definitions.WorkflowDefinition.DefinitionId"/>.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>How the run ended.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>The variants that ran, in matrix order.</summary>
    public required ImmutableArray<VariantResult> Variants { get; init; }

    /// <summary>Wall-clock time of the whole run.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Why the run stopped before its end (<see cref="RunStatus.Failed"/>), or null.</summary>
    public string? Error { get; init; }
}
