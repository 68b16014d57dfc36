using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Span = System.Diagnostics.Activity;
using SpanContext = System.Diagnostics.ActivityContext;

namespace Seidr.Workflows.Engine;

/// <summary>
/// Turns engine events into OpenTelemetry-compatible traces (a span per flow and per activity invocation) and
/// metrics (candidates, flows, model calls, tokens, budget exhaustion), through the BCL's ActivitySource and Meter.
/// Exported only when a tracer or meter provider listens to <see cref="SourceName"/>.
/// </summary>
public sealed class EngineTelemetry : IRunObserver, IDisposable
{
    /// <summary>The ActivitySource's and the Meter's name, which a tracer or meter provider adds to export them.</summary>
    public const string SourceName = "Seidr.Workflows.Engine";

    private static readonly ActivitySource Source = new(SourceName, "1.0.0");
    private static readonly Meter Meter = new(SourceName, "1.0.0");
    private static readonly Counter<long> Candidates = Meter.CreateCounter<long>("seidr.candidates", description: "Candidates created, by kind and stage");
    private static readonly Counter<long> Flows = Meter.CreateCounter<long>("seidr.flows", description: "Problem-variant flows finished, by status");
    private static readonly Counter<long> Exhausted = Meter.CreateCounter<long>("seidr.budget.exhausted", description: "Budgets spent, by limit");
    private static readonly Histogram<double> ActivityDuration = Meter.CreateHistogram<double>("seidr.activity.duration", "s", "Time of one activity invocation");

    private readonly ConcurrentDictionary<FlowKey, Span> _flows = new();
    private readonly ConcurrentDictionary<(FlowKey, string, int), Span> _activities = new();
    private string _runId = "";

    /// <summary>Opens or closes the event's span and records its metrics.</summary>
    public void OnEvent(RunEvent e)
    {
        switch (e)
        {
            case RunStarted s:
                _runId = s.RunId;
                break;
            case ActivityStarted a when Source.HasListeners():
                var flow = _flows.GetOrAdd(a.Flow, k => StartFlow(k));
                if (Start($"activity {a.ActivityId}", flow.Context) is { } span)
                {
                    span.SetTag("seidr.activity", a.ActivityId).SetTag("seidr.iteration", a.Iteration).SetTag("seidr.input.count", a.InputCount);
                    _activities[(a.Flow, a.ActivityId, a.Iteration)] = span;
                }
                break;
            case ActivityCompleted c:
                ActivityDuration.Record(c.Duration.TotalSeconds, new KeyValuePair<string, object?>("seidr.activity", c.ActivityId));
                if (_activities.TryRemove((c.Flow, c.ActivityId, c.Iteration), out var done))
                {
                    foreach (var (port, count) in c.Emitted) done.SetTag($"seidr.emitted.{port}", count);
                    done.Dispose();
                }
                break;
            case ActivityFailed f:
                if (_activities.TryRemove((f.Flow, f.ActivityId, f.Iteration), out var failed))
                {
                    failed.SetStatus(ActivityStatusCode.Error, f.Error);
                    failed.Dispose();
                }
                break;
            case CandidateCreated cc:
                Candidates.Add(1, new KeyValuePair<string, object?>("seidr.kind", cc.Candidate.Kind), new KeyValuePair<string, object?>("seidr.stage", cc.Candidate.Stage));
                break;
            case BudgetExhausted b:
                Exhausted.Add(1, new KeyValuePair<string, object?>("seidr.limit", b.Limit));
                break;
            case FlowCompleted fc:
                Flows.Add(1, new KeyValuePair<string, object?>("seidr.status", fc.Result.Status.ToString()));
                if (_flows.TryRemove(fc.Result.Key, out var span2))
                {
                    span2.SetTag("seidr.status", fc.Result.Status.ToString()).SetTag("seidr.programs", fc.Result.Programs)
                        .SetTag("seidr.solved", fc.Result.SolvedByHiddenTests || (fc.Result.Hidden.IsEmpty && fc.Result.SolvedByGeneratedTests));
                    span2.Dispose();
                }
                break;
            case RunCompleted:
                Dispose();
                break;
        }
    }

    private Span StartFlow(FlowKey key)
    {
        var span = Start($"flow {key}", default) ?? new Span("unobserved");
        span.SetTag("seidr.run", _runId).SetTag("seidr.variant", key.VariantId).SetTag("seidr.problem", key.ProblemId);
        return span;
    }

    /// <summary>Starts a span without making it the ambient <see cref="Span.Current"/> of the engine thread that reported the event.</summary>
    private static Span? Start(string name, SpanContext parent)
    {
        var previous = Span.Current;
        var span = Source.StartActivity(name, ActivityKind.Internal, parent);
        Span.Current = previous;
        return span;
    }

    /// <summary>Ends every span still open (of flows and activities the run did not finish).</summary>
    public void Dispose()
    {
        foreach (var a in _activities.Values) a.Dispose();
        foreach (var f in _flows.Values) f.Dispose();
        _activities.Clear();
        _flows.Clear();
    }
}
