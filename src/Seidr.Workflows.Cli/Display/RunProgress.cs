using System.Collections.Concurrent;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Cli.Display;

/// <summary>Counts what a run has done so far, from its events. Thread-safe.</summary>
internal sealed class RunProgress : IRunObserver
{
    private int _flowsTotal, _flowsDone, _solved, _candidates, _programs, _calls, _cached, _failed, _samples, _failedSamples;
    private long _tokens;
    private readonly ConcurrentDictionary<string, int> _solvedByVariant = new();

    public int FlowsTotal => Volatile.Read(ref _flowsTotal);
    public int FlowsDone => Volatile.Read(ref _flowsDone);
    public int Solved => Volatile.Read(ref _solved);
    public int Candidates => Volatile.Read(ref _candidates);
    public int Programs => Volatile.Read(ref _programs);
    public int Calls => Volatile.Read(ref _calls);
    public int CachedCalls => Volatile.Read(ref _cached);
    public int FailedFlows => Volatile.Read(ref _failed);
    public int Samples => Volatile.Read(ref _samples);
    public int FailedSamples => Volatile.Read(ref _failedSamples);
    public long Tokens => Interlocked.Read(ref _tokens);
    public string? LastError { get; private set; }

    public void OnEvent(RunEvent e)
    {
        switch (e)
        {
            case RunStarted s:
                Interlocked.Add(ref _flowsTotal, s.Variants.Count * s.Problems);
                // Where no live display runs (a pipe, CI), say at once which run this is: --resume needs its id.
                if (Console.IsErrorRedirected)
                    Console.Error.WriteLine($"run {s.RunId} started: {s.Problems} problems x {s.Variants.Count} variants");
                break;
            case CandidateCreated c:
                Interlocked.Increment(ref _candidates);
                if (c.Candidate.Kind == CandidateKinds.Program) Interlocked.Increment(ref _programs);
                break;
            case ModelCallRecorded m:
                Interlocked.Add(ref _calls, m.Usage.Calls);
                if (m.Usage.Cached) Interlocked.Add(ref _cached, m.Usage.Calls);
                Interlocked.Add(ref _tokens, m.Usage.Tokens);
                Interlocked.Add(ref _samples, m.Usage.Samples);
                if (m.Usage.FailedSamples > 0) Interlocked.Add(ref _failedSamples, m.Usage.FailedSamples);
                break;
            case FlowCompleted f:
                Interlocked.Increment(ref _flowsDone);
                if (f.Result.Hidden.IsEmpty ? f.Result.SolvedByGeneratedTests : f.Result.SolvedByHiddenTests) Interlocked.Increment(ref _solved);
                if (f.Result.Status == FlowStatus.Failed) { Interlocked.Increment(ref _failed); LastError = $"{f.Result.Key}: {f.Result.Error}"; }
                break;
        }
    }

    public string Line() =>
        $"problems {FlowsDone}/{FlowsTotal} | solved {Solved} ({(FlowsDone == 0 ? 0 : 100.0 * Solved / FlowsDone):0.0}%) | programs {Programs} | candidates {Candidates} | calls {Calls} ({CachedCalls} cached) | tokens {Tokens:N0}" +
        (FailedSamples > 0 ? $" | LOST {FailedSamples} of {Samples} samples" : "") +
        (FailedFlows > 0 ? $" | failed {FailedFlows}" : "");
}
