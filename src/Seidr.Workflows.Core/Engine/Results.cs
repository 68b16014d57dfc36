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
    public int Programs { get; init; }
    public int Calls { get; init; }
    public int CachedCalls { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal Cost { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Error { get; init; }
    public string? ExhaustedLimit { get; init; }

    public long Tokens => InputTokens + OutputTokens;

    /// <summary>The top submitted program passed every test it was executed on (generated or visible tests).</summary>
    public bool SolvedByGeneratedTests => !Submission.IsEmpty && Submission[0].PassedAll;

    /// <summary>The top submitted program passed the hidden tests.</summary>
    public bool SolvedByHiddenTests => !Hidden.IsEmpty && Hidden[0].Passed;
}

/// <summary>The results of one variant over all problems, with its metrics.</summary>
public sealed record VariantResult(Variant Variant, ImmutableArray<FlowResult> Flows, ImmutableSortedDictionary<string, double> Metrics);

public enum RunStatus { Completed, Cancelled, Failed }

public sealed record RunResult
{
    public required string RunId { get; init; }
    public required string WorkflowId { get; init; }
    public required RunStatus Status { get; init; }
    public required ImmutableArray<VariantResult> Variants { get; init; }
    public TimeSpan Duration { get; init; }
}
