using System.Collections.Immutable;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Engine;

/// <summary>Well-known candidate kinds (<see cref="Candidate.Kind"/>). Activities may add their own.</summary>
public static class CandidateKinds
{
    /// <summary>Source code of a solution; created ones count against <see cref="Definitions.Budget.MaxPrograms"/>, and only these are submitted.</summary>
    public const string Program = "program";

    /// <summary>Generated tests for the problem, which Execute runs programs against.</summary>
    public const string TestSet = "test-set";

    /// <summary>A model's account of why a program fails its tests, which a repair reads.</summary>
    public const string Explanation = "explanation";

    /// <summary>The problem's lexicon (names, types, invariants, edge cases), which later prompts include.</summary>
    public const string Lexicon = "lexicon";

    /// <summary>An outline of a solution (steps, helpers, edge cases) that later drafts follow.</summary>
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

    /// <summary>What the content is: one of <see cref="CandidateKinds"/> or an activity's own kind.</summary>
    public required string Kind { get; init; }

    /// <summary>The text itself: source code, tests, an explanation, ...</summary>
    public required string Content { get; init; }

    /// <summary>The candidate this one was derived from (a repair's explanation, an explanation's program).</summary>
    public string? ParentId { get; init; }

    /// <summary>The activity id that created it.</summary>
    public required string Stage { get; init; }

    /// <summary>The model (by the workflow's name for it) that wrote the content, or null when no model did.</summary>
    public string? Model { get; init; }

    /// <summary>The prompt file the model was given, or null.</summary>
    public string? Prompt { get; init; }

    /// <summary>How many repair generations separate it from a draft (drafts are 0).</summary>
    public int Generation { get; init; }

    /// <summary>Fraction of tests passed in its last execution, or a rank score; null before scoring.</summary>
    public double? Score { get; init; }

    /// <summary>Per-test results of its last execution, in test order.</summary>
    public ImmutableArray<TestResult> Results { get; init; } = [];

    /// <summary>Free-form annotations (the program's language, a consensus-set id, a vote count, ...).</summary>
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Executed and passed every test it was run on.</summary>
    public bool PassedAll => Score is >= 1.0 && !Results.IsEmpty;

    /// <summary>A copy with the tag <paramref name="key"/> set to <paramref name="value"/>.</summary>
    public Candidate WithTag(string key, string value) => this with { Tags = Tags.SetItem(key, value) };
}

/// <summary>Outcome of one test on one program, as the explain and repair stages need it.</summary>
/// <param name="Test">The test as written (an assert line, or the input of a stdin/stdout case).</param>
/// <param name="Status">How the test ended (passed, failed, error, timeout, ...).</param>
public sealed record TestResult(string Test, TestStatus Status)
{
    /// <summary>The value the test expected, when it can tell.</summary>
    public string? Expected { get; init; }

    /// <summary>The value the program gave, when it can tell.</summary>
    public string? Actual { get; init; }

    /// <summary>The error or failure text (an exception and its message, a timeout, ...).</summary>
    public string? Message { get; init; }

    /// <summary>Whether the test passed.</summary>
    public bool Passed => Status == TestStatus.Passed;
}
