using System.Collections.Immutable;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Engine;

/// <summary>Well-known candidate kinds. Activities may add their own.</summary>
public static class CandidateKinds
{
    public const string Program = "program";
    public const string TestSet = "test-set";
    public const string Explanation = "explanation";
    public const string Lexicon = "lexicon";
    public const string Sketch = "sketch";
}

/// <summary>
/// One member of a population: a program, a test set, an explanation, ... with its lineage
/// (parent, the stage and model and prompt that made it) and, once executed, its score.
/// </summary>
public sealed record Candidate
{
    /// <summary>Deterministic id: <c>{activity}#{iteration}.{index}</c> within a flow.</summary>
    public required string Id { get; init; }
    public required string Kind { get; init; }
    public required string Content { get; init; }

    /// <summary>The candidate this one was derived from (a repair's explanation, an explanation's program).</summary>
    public string? ParentId { get; init; }

    /// <summary>The activity id that created it.</summary>
    public required string Stage { get; init; }
    public string? Model { get; init; }
    public string? Prompt { get; init; }

    /// <summary>How many repair generations separate it from a draft (drafts are 0).</summary>
    public int Generation { get; init; }

    /// <summary>Fraction of tests passed in its last execution, or a rank score; null before scoring.</summary>
    public double? Score { get; init; }

    /// <summary>Per-test results of its last execution, in test order.</summary>
    public ImmutableArray<TestResult> Results { get; init; } = [];

    /// <summary>Free-form annotations (the program's language, a consensus-set id, a vote count, ...).</summary>
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public bool PassedAll => Score is >= 1.0 && !Results.IsEmpty;

    public Candidate WithTag(string key, string value) => this with { Tags = Tags.SetItem(key, value) };
}

/// <summary>Outcome of one test on one program, as the explain and repair stages need it.</summary>
public sealed record TestResult(string Test, TestStatus Status)
{
    public string? Expected { get; init; }
    public string? Actual { get; init; }
    public string? Message { get; init; }
    public bool Passed => Status == TestStatus.Passed;
}
