using System.Collections.Concurrent;
using System.Collections.Immutable;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Engine;

/// <summary>Run-wide state shared by all flows.</summary>
internal sealed class RunState
{
    public required string RunId { get; init; }
    public required int Seed { get; init; }
    public required Definitions.WorkflowDefinition Workflow { get; init; }
    public required IServiceProvider Services { get; init; }
    public required SemaphoreSlim WorkLimiter { get; init; }
    public required ImmutableArray<IRunObserver> Observers { get; init; }

    /// <summary>Stops the whole run with a reason (the first reason wins).</summary>
    public Action<string>? Abort { get; set; }
    public string? AbortReason { get; set; }

    public void Publish(RunEvent e)
    {
        foreach (var o in Observers) o.OnEvent(e);
    }
}

/// <summary>State of one problem-variant flow.</summary>
internal sealed class FlowState(RunState run, FlowKey key, Problem problem, Variant variant, FlowBudget budget, CancellationToken runToken) : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Type, object>> _state = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(runToken);

    public RunState Run { get; } = run;
    public FlowKey Key { get; } = key;
    public Problem Problem { get; } = problem;
    /// <summary>The problem as stages see it: no hidden tests and no reference solution (only the judge reads those).</summary>
    public Problem VisibleProblem { get; } = problem with { Hidden = [], CanonicalSolution = null };
    public Variant Variant { get; } = variant;
    public FlowBudget Budget { get; } = budget;
    public ConcurrentDictionary<string, bool> Flags { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, double> Measures { get; } = new(StringComparer.Ordinal);

    /// <summary>The latest version of every program and test set the flow made, by id, for the judge's test-quality figures.</summary>
    public ConcurrentDictionary<string, Candidate> Made { get; } = new(StringComparer.Ordinal);

    /// <summary>Keeps the newest version of a program or test set (execution and ranking report it again with results).</summary>
    public void Track(Candidate candidate)
    {
        if (candidate.Kind is CandidateKinds.Program or CandidateKinds.TestSet) Made[candidate.Id] = candidate;
    }
    public CancellationToken CancellationToken => _stop.Token;
    public CancellationToken RunToken { get; } = runToken;
    public ImmutableArray<Candidate>? Submission { get; private set; }
    public bool StopRequested { get; private set; }

    public ConcurrentDictionary<Type, object> StateOf(string activityId) => _state.GetOrAdd(activityId, _ => new());

    public void Submit(IReadOnlyList<Candidate> programs, bool stop)
    {
        lock (this)
        {
            Submission ??= programs.ToImmutableArray();
            if (stop && !StopRequested)
            {
                StopRequested = true;
                _stop.Cancel();
            }
        }
    }

    public void Dispose() => _stop.Dispose();
}
