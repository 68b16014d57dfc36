using System.Collections.Concurrent;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Activities;

/// <summary>
/// Verdicts one run has already computed, shared by its flows: the test reports of identical programs on identical
/// tests and limits (Execute with reuse_results), single program-test verdicts (Execute with incremental and
/// reuse_results), and the Python syntax checks of generated tests (GenerateTests). The variants of a ranking comparison
/// run the same programs and extract the same test samples, so each is run once per run.
/// <para>
/// One instance per run, in the run's services: a host registers a new one for each run and disposes it when the run
/// ends (ExperimentRunner does), so two runs in one process never share an entry and none outlives its run. A stage
/// that needs it and finds none fails, naming the service.
/// </para>
/// </summary>
public sealed class RunVerdicts : IDisposable
{
    private readonly ConcurrentDictionary<(string Tests, VerdictSetting Setting, string Source), Task<TestReport>> _reports = new();
    private readonly PairVerdicts _pairs = new();
    private readonly ConcurrentDictionary<string, Task<IReadOnlyList<bool>>> _syntax = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>Entries held: test reports, program-test verdicts and syntax checks (0 once disposed).</summary>
    public int Count => _reports.Count + _pairs.Count + _syntax.Count;

    /// <summary>Test reports by tests (a hash of them), limits and program source.</summary>
    internal ConcurrentDictionary<(string Tests, VerdictSetting Setting, string Source), Task<TestReport>> Reports => Live(_reports);

    /// <summary>Verdicts of single program-test pairs.</summary>
    internal PairVerdicts Pairs => Live(_pairs);

    /// <summary>Python syntax verdicts by the SHA-256 of the checked sources.</summary>
    internal ConcurrentDictionary<string, Task<IReadOnlyList<bool>>> SyntaxChecks => Live(_syntax);

    /// <summary>Releases every entry; a stage still running after its run ended gets <see cref="ObjectDisposedException"/> rather than a new entry nobody frees.</summary>
    public void Dispose()
    {
        _disposed = true;
        _reports.Clear();
        _pairs.Clear();
        _syntax.Clear();
    }

    private T Live<T>(T entries)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return entries;
    }
}
