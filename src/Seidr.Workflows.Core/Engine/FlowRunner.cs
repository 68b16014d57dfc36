using System.Collections.Immutable;
using System.Diagnostics;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Engine;

/// <summary>
/// Runs one flow of a flowchart. An activity runs when a population reaches it along a back edge (a loop), or when
/// every forward edge into it has delivered or can no longer deliver (an implicit join). Populations that meet
/// at a join are merged in connection order, so results do not depend on timing. Branches run concurrently.
/// </summary>
internal sealed class FlowRunner
{
    private readonly FlowState _flow;
    private readonly WorkflowDefinition _definition;
    private readonly FlowGraph _graph;
    private readonly ActivityCatalog _catalog;
    private readonly int _maxIterations;
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedDictionary<int, Population>> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _iterations = new(StringComparer.Ordinal);
    private readonly List<string> _running = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;
    private string? _exhausted;

    public FlowRunner(FlowState flow, WorkflowDefinition definition, FlowGraph graph, ActivityCatalog catalog, int maxIterations)
    {
        _flow = flow;
        _definition = definition;
        _graph = graph;
        _catalog = catalog;
        _maxIterations = maxIterations;
    }

    public string? ExhaustedLimit => _exhausted;

    public async Task RunAsync()
    {
        lock (_gate)
        {
            foreach (var start in _graph.Starts) Schedule(start, Population.Empty);
            if (_running.Count == 0) _done.TrySetResult();
        }
        await _done.Task;
        if (_failure is not null) throw _failure;
        _flow.RunToken.ThrowIfCancellationRequested();
    }

    // Called under _gate.
    private void Schedule(string activityId, Population input)
    {
        if (_flow.StopRequested || _failure is not null) return;
        var iteration = _iterations.GetValueOrDefault(activityId);
        if (iteration >= _maxIterations)
        {
            _failure ??= new FlowException($"activity '{activityId}' ran {_maxIterations} times in one flow; its loop does not end");
            return;
        }
        _iterations[activityId] = iteration + 1;
        _running.Add(activityId);
        _ = Task.Run(() => InvokeAsync(activityId, iteration, input));
    }

    private async Task InvokeAsync(string activityId, int iteration, Population input)
    {
        ActivityResult? result = null;
        Exception? error = null;
        try
        {
            result = await ExecuteAsync(activityId, iteration, input);
        }
        catch (OperationCanceledException) when (_flow.CancellationToken.IsCancellationRequested)
        {
            // Stopped by a submission or by the run's cancellation: not an error of this activity.
        }
        catch (Exception e)
        {
            error = e;
            _flow.Run.Publish(new ActivityFailed(_flow.Key, activityId, iteration, e.Message));
        }

        lock (_gate)
        {
            _running.Remove(activityId);
            if (error is not null) _failure ??= new FlowException($"activity '{activityId}' failed: {error.Message}", error);
            else if (result is not null) Route(activityId, result);
            ReleaseJoins();
            if (_running.Count == 0)
            {
                _waiting.Clear();
                _done.TrySetResult();
            }
        }
    }

    private async Task<ActivityResult> ExecuteAsync(string activityId, int iteration, Population input)
    {
        var node = _definition.FindActivity(activityId)!;
        var descriptor = _catalog.Find(node.Type) ?? throw new FlowException($"unknown activity type '{node.Type}'");
        _flow.CancellationToken.ThrowIfCancellationRequested();

        if (descriptor.Spends && _flow.Budget.ExhaustedLimit is { } limit)
        {
            NoteExhausted(activityId, limit);
            // Route to the Exhausted port when the activity has one; otherwise this branch ends here.
            return descriptor.HasOutcome(Ports.Exhausted) ? ActivityResult.Of(Ports.Exhausted, input) : ActivityResult.None;
        }

        var activity = InputBinder.Create(descriptor, node, _flow.Variant);
        _flow.Run.Publish(new ActivityStarted(_flow.Key, activityId, iteration, input.Count));
        var clock = Stopwatch.StartNew();
        var result = activity.Enabled
            ? await activity.ExecuteAsync(new ActivityContext(_flow, node, iteration, input))
            : ActivityResult.Of(descriptor.PrimaryOutcome, input);
        // A port the activity does not declare has no connection the validator could check: routing it nowhere would
        // lose its population without a word, so the flow fails and says which port.
        if (result.Outputs.FirstOrDefault(o => !descriptor.HasOutcome(o.Key)) is { Key: { } undeclared })
            throw new UndeclaredPortException(descriptor, undeclared);
        _flow.Run.Publish(new ActivityCompleted(_flow.Key, activityId, iteration,
            result.Outputs.Select(o => KeyValuePair.Create(o.Key, o.Value.Count)).ToArray(), clock.Elapsed));
        if (result.Outputs.Any(o => o.Key == Ports.Exhausted)) NoteExhausted(activityId, _flow.Budget.ExhaustedLimit ?? "budget");
        return result;
    }

    private void NoteExhausted(string activityId, string limit)
    {
        lock (_gate) _exhausted ??= limit;
        _flow.Run.Publish(new BudgetExhausted(_flow.Key, activityId, limit));
    }

    // Called under _gate.
    private void Route(string activityId, ActivityResult result)
    {
        foreach (var (port, population) in result.Outputs)
        {
            foreach (var edge in _graph.From(activityId, port))
            {
                if (_graph.BackEdges.Contains(edge.Index))
                {
                    Schedule(edge.Target, population);
                    continue;
                }
                if (!_waiting.TryGetValue(edge.Target, out var arrived)) _waiting[edge.Target] = arrived = [];
                arrived[edge.Index] = arrived.TryGetValue(edge.Index, out var earlier) ? earlier.Merge(population) : population;
            }
        }
    }

    // Called under _gate: fires every join whose missing inputs can no longer arrive.
    private void ReleaseJoins()
    {
        bool fired;
        do
        {
            fired = false;
            foreach (var (target, arrived) in _waiting.ToArray())
            {
                var missing = _graph.ForwardInto(target).Where(e => !arrived.ContainsKey(e.Index)).ToArray();
                bool canStillArrive = missing.Any(e => _running.Any(r => r == e.Source || _graph.CanReach(r, e.Source)));
                if (canStillArrive) continue;
                _waiting.Remove(target);
                var merged = arrived.Values.Aggregate(Population.Empty, (acc, p) => acc.Merge(p));
                Schedule(target, merged);
                fired = true;
            }
        } while (fired);
    }
}

/// <summary>An activity emitted on a port it does not declare with <see cref="OutcomeAttribute"/> (a bug in the activity).</summary>
internal sealed class UndeclaredPortException(ActivityDescriptor descriptor, string port)
    : Exception($"{descriptor.TypeName} emitted on port '{port}', which it does not declare (its ports: {string.Join(", ", descriptor.Outcomes.Select(o => o.Name))})")
{
    /// <summary>The port emitted on.</summary>
    public string Port { get; } = port;
}

/// <summary>A flow that cannot go on: an activity failed or a loop ran away.</summary>
internal sealed class FlowException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Thrown by an activity when the whole run cannot go on (a model provider rejects every call: a wrong model name, a
/// refused key). The engine stops every flow, keeps the finished ones and ends the run as failed with this message;
/// the flows it stopped run again when the run is resumed.
/// </summary>
public sealed class RunAbortedException(string message, Exception? inner = null) : Exception(message, inner);
