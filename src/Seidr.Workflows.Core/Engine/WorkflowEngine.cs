using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Engine;

/// <summary>
/// Runs an experiment: expands the matrix into variants and runs every problem under every variant as a flow,
/// flows in parallel within a bound. Cancelling stops cleanly: finished flows are kept and reported.
/// </summary>
public sealed class WorkflowEngine
{
    /// <summary>
    /// Runs <paramref name="workflow"/> (with workflows used as activities already inlined by
    /// <see cref="Composition.WorkflowComposer"/>) over <see cref="RunOptions.Problems"/> under every variant of
    /// its matrix. Returns when every flow has ended, the run was cancelled, or an activity aborted the run.
    /// </summary>
    public async Task<RunResult> RunAsync(WorkflowDefinition workflow, RunOptions options, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var runId = options.RunId ?? NewRunId();
        var graph = new FlowGraph(workflow);
        var variants = MatrixExpander.Expand(workflow.Experiment.Matrix)
            .Where(v => options.VariantFilter is null || options.VariantFilter.Contains(v.Id)).ToList();
        var run = new RunState
        {
            RunId = runId,
            Seed = options.Seed ?? workflow.Experiment.Seed,
            Workflow = workflow,
            Services = options.Services,
            WorkLimiter = new SemaphoreSlim(Math.Max(1, options.MaxWork)),
            Observers = options.Observers,
        };
        run.Publish(new RunStarted(runId, workflow.DefinitionId, variants, options.Problems.Count));

        var flows = variants.SelectMany(v => options.Problems.Select(p => (Variant: v, Problem: p))).ToList();
        var results = new ConcurrentDictionary<FlowKey, FlowResult>();
        var judge = options.Services.GetService(typeof(ISubmissionJudge)) as ISubmissionJudge;
        var maxFlows = Math.Max(1, options.MaxFlows ?? workflow.Experiment.Concurrency ?? 4);

        var status = RunStatus.Completed;
        // A flow that finds the whole run cannot go on (RunAbortedException) stops every flow through this source.
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        run.Abort = reason =>
        {
            lock (run) run.AbortReason ??= reason;
            try { abort.Cancel(); } catch (ObjectDisposedException) { }
        };
        try
        {
            await Parallel.ForEachAsync(flows, new ParallelOptions { MaxDegreeOfParallelism = maxFlows, CancellationToken = abort.Token }, async (f, ct) =>
            {
                var key = new FlowKey(f.Variant.Id, f.Problem.Id);
                if (options.Completed?.TryGetValue(key, out var done) == true)
                {
                    results[key] = done;
                    return;
                }
                var result = await RunFlowAsync(run, graph, options, f.Variant, f.Problem, judge, ct);
                if (result.Status == FlowStatus.Cancelled) return; // an unfinished flow is not a result
                results[key] = result;
                run.Publish(new FlowCompleted(result));
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            status = RunStatus.Cancelled;
        }
        catch (OperationCanceledException) when (run.AbortReason is not null)
        {
            status = RunStatus.Failed;
        }
        if (run.AbortReason is not null && status == RunStatus.Completed) status = RunStatus.Failed;

        var variantResults = variants.Select(v =>
        {
            var vf = options.Problems.Select(p => results.GetValueOrDefault(new FlowKey(v.Id, p.Id))).OfType<FlowResult>().ToImmutableArray();
            return new VariantResult(v, vf, Metrics.Compute(vf, workflow.Experiment.K));
        }).ToImmutableArray();
        var runResult = new RunResult
        {
            RunId = runId, WorkflowId = workflow.DefinitionId, Status = status, Variants = variantResults, Duration = clock.Elapsed,
            Error = status == RunStatus.Failed ? run.AbortReason : null,
        };
        run.Publish(new RunCompleted(runResult));
        return runResult;
    }

    private static async Task<FlowResult> RunFlowAsync(RunState run, FlowGraph graph, RunOptions options, Variant variant, Problems.Problem problem, ISubmissionJudge? judge, CancellationToken ct)
    {
        var key = new FlowKey(variant.Id, problem.Id);
        // A 'language' axis sets the language of every problem in its variants, so each stage and the judge follow it.
        if (variant[Variant.LanguageAxis] is { Length: > 0 } language) problem = problem with { Language = language };
        var budget = new FlowBudget(run.Workflow.Experiment.Budget);
        using var flow = new FlowState(run, key, problem, variant, budget, ct);
        var runner = new FlowRunner(flow, run.Workflow, graph, options.Catalog, options.MaxIterations);
        FlowStatus status;
        string? error = null;
        try
        {
            await runner.RunAsync();
            status = (runner.ExhaustedLimit ?? budget.OutsideLimit) is not null && (flow.Submission is null || flow.Submission.Value.IsEmpty)
                ? FlowStatus.BudgetExhausted : FlowStatus.Completed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            status = FlowStatus.Cancelled;
        }
        catch (FlowException e) when (e.InnerException is RunAbortedException aborted)
        {
            // Not this flow's failure: the run stops, and this flow runs again when the run is resumed.
            run.Abort?.Invoke(aborted.Message);
            status = FlowStatus.Cancelled;
        }
        catch (FlowException e)
        {
            status = FlowStatus.Failed;
            error = e.Message;
        }

        var submission = flow.Submission ?? [];
        var hidden = ImmutableArray<HiddenVerdict>.Empty;
        TestQuality? quality = null;
        if (status != FlowStatus.Cancelled && judge is not null && !problem.Hidden.IsEmpty && !submission.IsEmpty)
        {
            try
            {
                hidden = (await judge.JudgeAsync(problem, submission, ct)).ToImmutableArray();
                var made = flow.Made.Values.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
                var testSets = made.Where(c => c.Kind == CandidateKinds.TestSet).ToList();
                if (testSets.Count > 0)
                    quality = await judge.JudgeTestsAsync(problem, submission, made.Where(c => c.Kind == CandidateKinds.Program).ToList(), testSets, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                status = FlowStatus.Cancelled;
            }
        }

        return new FlowResult
        {
            Key = key,
            Status = status,
            Submission = submission,
            Hidden = hidden,
            Flags = flow.Flags.ToImmutableSortedDictionary(StringComparer.Ordinal),
            Measures = flow.Measures.ToImmutableSortedDictionary(StringComparer.Ordinal),
            TestQuality = quality,
            Programs = budget.Programs,
            Calls = budget.Calls,
            CachedCalls = budget.CachedCalls,
            InputTokens = budget.InputTokens,
            OutputTokens = budget.OutputTokens,
            Cost = budget.Cost,
            Duration = budget.Elapsed,
            Error = error,
            ExhaustedLimit = runner.ExhaustedLimit ?? budget.OutsideLimit,
            Samples = budget.Samples,
            FailedSamples = budget.FailedSamples,
            FailedCalls = budget.FailedCalls,
            Retries = budget.Retries,
            ModelError = budget.ModelError,
        };
    }

    /// <summary>A new run id: the UTC time and six random hex digits (<c>20261123-094508-2daf9e</c>), sortable by start.</summary>
    public static string NewRunId() => $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
}
