using System.Collections.Immutable;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Engine;

/// <summary>Everything one run needs besides the workflow: its problems, services and bounds.</summary>
public sealed record RunOptions
{
    /// <summary>The activity types the workflow's nodes name.</summary>
    public required ActivityCatalog Catalog { get; init; }

    /// <summary>The problems every variant runs, in order (with their hidden tests, which only the judge sees).</summary>
    public required IReadOnlyList<Problem> Problems { get; init; }

    /// <summary>What activities get from <see cref="ActivityContext.Services"/>; an <see cref="ISubmissionJudge"/> here scores submissions. Default: none.</summary>
    public IServiceProvider Services { get; init; } = EmptyServices.Instance;

    /// <summary>Run id; a new one is made when null.</summary>
    public string? RunId { get; init; }

    /// <summary>Overrides the workflow's seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Most problem-variant flows at once (default: the workflow's <c>concurrency</c>, else 4).</summary>
    public int? MaxFlows { get; init; }

    /// <summary>Most units of work (model calls, executions) in flight at once across the run (default: 32).</summary>
    public int MaxWork { get; init; } = 32;

    /// <summary>Upper bound on invocations of one activity within one flow, a guard against runaway loops.</summary>
    public int MaxIterations { get; init; } = 10_000;

    /// <summary>Who receives the run's events, in this order.</summary>
    public ImmutableArray<IRunObserver> Observers { get; init; } = [];

    /// <summary>Flows already finished (by an earlier, interrupted run) that are taken as they are rather than run again.</summary>
    public IReadOnlyDictionary<FlowKey, FlowResult>? Completed { get; init; }

    /// <summary>Only these variants run (null: all).</summary>
    public IReadOnlySet<string>? VariantFilter { get; init; }
}

/// <summary>A service provider that has nothing.</summary>
internal sealed class EmptyServices : IServiceProvider
{
    public static EmptyServices Instance { get; } = new();
    public object? GetService(Type serviceType) => null;
}

/// <summary>Judges submitted programs on a problem's hidden tests, for the final metrics only.</summary>
public interface ISubmissionJudge
{
    /// <summary>One verdict per program of <paramref name="programs"/> (a flow's submission), in order.</summary>
    Task<IReadOnlyList<HiddenVerdict>> JudgeAsync(Problem problem, IReadOnlyList<Candidate> programs, CancellationToken cancellationToken);

    /// <summary>
    /// How good a flow's generated tests were, judged with the problem's reference solution: <paramref name="programs"/>
    /// and <paramref name="testSets"/> are every program (with its per-test results) and test set the flow made, and
    /// <paramref name="submission"/> what it submitted. Null when the judge cannot tell (no reference solution).
    /// </summary>
    Task<TestQuality?> JudgeTestsAsync(Problem problem, IReadOnlyList<Candidate> submission, IReadOnlyList<Candidate> programs, IReadOnlyList<Candidate> testSets,
        CancellationToken cancellationToken) => Task.FromResult<TestQuality?>(null);
}
