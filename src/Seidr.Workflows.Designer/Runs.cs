using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Designer;

/// <summary>Elsa's instance status: Running, or Finished with a sub-status (Finished, Faulted, Cancelled).</summary>
internal enum RunPhase { Executing, Finished, Faulted, Cancelled }

/// <summary>A run started from the designer, as the host page and <c>/elsa/api/workflow-instances/{id}</c> show it.</summary>
internal sealed class RunRecord(string id, string definitionId, string? name, int version, string workflowPath, string outputDirectory)
{
    private readonly Lock _gate = new();
    public string Id { get; } = id;
    public string DefinitionId { get; } = definitionId;
    public string? Name { get; } = name;
    public int Version { get; } = version;
    public string WorkflowPath { get; } = workflowPath;
    public string OutputDirectory { get; } = outputDirectory;
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    public DateTimeOffset UpdatedAt { get; private set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? FinishedAt { get; private set; }
    public RunPhase Phase { get; private set; } = RunPhase.Executing;
    public int TotalFlows { get; private set; }
    public int CompletedFlows { get; private set; }
    public RunResult? Result { get; private set; }
    public string? SummaryPath { get; private set; }
    public string? Error { get; private set; }
    public ImmutableArray<string> Messages { get; private set; } = [];
    internal CancellationTokenSource Cancellation { get; } = new();
    internal Task Completion { get; set; } = Task.CompletedTask;

    internal void OnEvent(RunEvent e)
    {
        lock (_gate)
        {
            UpdatedAt = DateTimeOffset.UtcNow;
            switch (e)
            {
                case RunStarted s: TotalFlows = s.Variants.Count * s.Problems; break;
                case FlowCompleted: CompletedFlows++; break;
            }
        }
    }

    internal void Finish(RunPhase phase, RunResult? result, string? summaryPath, string? error, IEnumerable<string>? messages = null)
    {
        lock (_gate)
        {
            Phase = phase;
            Result = result;
            SummaryPath = summaryPath;
            Error = error;
            Messages = messages?.ToImmutableArray() ?? [];
            if (result is not null) CompletedFlows = result.Variants.Sum(v => v.Flows.Length);
            FinishedAt = UpdatedAt = DateTimeOffset.UtcNow;
        }
    }

    public bool IsRunning => Phase == RunPhase.Executing;
}

/// <summary>Starts runs in the background and keeps their records for the life of the host.</summary>
internal sealed class RunManager(DesignerRunner? runner, string runsDirectory, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RunRecord> _runs = new(StringComparer.Ordinal);

    public bool CanRun => runner is not null;

    public RunRecord? Find(string id) => _runs.GetValueOrDefault(id);

    public IReadOnlyList<RunRecord> List(string? definitionId = null) =>
        _runs.Values.Where(r => definitionId is null || r.DefinitionId == definitionId).OrderByDescending(r => r.CreatedAt).ToList();

    /// <summary>A run that could not start (invalid workflow): recorded so the page shows why.</summary>
    public RunRecord Refused(WorkflowEntry entry, WorkflowDefinition? def, IEnumerable<Diagnostic> errors)
    {
        var record = new RunRecord(WorkflowEngine.NewRunId(), entry.Key, def?.Name ?? entry.Name, def?.Version ?? 1, entry.Path, "");
        record.Finish(RunPhase.Faulted, null, null, "the workflow is not valid, so it cannot run", errors.Select(d => d.ToString()));
        _runs[record.Id] = record;
        return record;
    }

    public RunRecord Start(WorkflowEntry entry, WorkflowDefinition def)
    {
        var r = runner ?? throw new InvalidOperationException("no runner is configured");
        var id = WorkflowEngine.NewRunId();
        var output = Path.Combine(runsDirectory, id);
        var record = new RunRecord(id, entry.Key, def.Name, def.Version, entry.Path, output);
        _runs[id] = record;
        record.Completion = Task.Run(async () =>
        {
            try
            {
                Directory.CreateDirectory(output);
                var outcome = await r(new DesignerRunRequest(id, entry.Path, def, output, new DelegateObserver(record.OnEvent)), record.Cancellation.Token);
                var phase = outcome.Result.Status switch
                {
                    RunStatus.Completed => RunPhase.Finished,
                    RunStatus.Cancelled => RunPhase.Cancelled,
                    _ => RunPhase.Faulted,
                };
                record.Finish(phase, outcome.Result, outcome.SummaryPath, null);
                logger.LogInformation("run {RunId} of {Workflow} ended: {Status}", id, def.DefinitionId, outcome.Result.Status);
            }
            catch (OperationCanceledException) when (record.Cancellation.IsCancellationRequested)
            {
                record.Finish(RunPhase.Cancelled, null, null, "cancelled");
            }
            catch (WorkflowException e)
            {
                record.Finish(RunPhase.Faulted, null, null, "the workflow is not valid, so it cannot run", e.Diagnostics.Select(d => d.ToString()));
            }
            catch (Exception e)
            {
                logger.LogError(e, "run {RunId} of {Workflow} failed", id, def.DefinitionId);
                record.Finish(RunPhase.Faulted, null, null, e.Message);
            }
        });
        return record;
    }

    public bool Cancel(string id)
    {
        if (!_runs.TryGetValue(id, out var record) || !record.IsRunning) return false;
        record.Cancellation.Cancel();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var r in _runs.Values) if (r.IsRunning) r.Cancellation.Cancel();
        try { await Task.WhenAll(_runs.Values.Select(r => r.Completion)).WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (Exception) { /* runs report their own failures; shutting down regardless */ }
    }
}
