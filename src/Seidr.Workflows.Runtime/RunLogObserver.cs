using Microsoft.Extensions.Logging;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Runtime;

/// <summary>
/// Writes a run's events to its log: the start and end of the run at information level, each finished flow at debug,
/// and as warnings what the user must know while the run goes on: an activity that failed, a flow that lost model
/// samples, a flow that failed.
/// </summary>
internal sealed class RunLogObserver(ILogger logger) : IRunObserver
{
    public void OnEvent(RunEvent e)
    {
        switch (e)
        {
            case RunStarted s:
                logger.LogInformation("run {RunId} of {Workflow} started: {Problems} problems x {Variants} variants", s.RunId, s.WorkflowId, s.Problems, s.Variants.Count);
                break;
            case ActivityFailed a:
                logger.LogWarning("{Flow}: activity '{Activity}' failed: {Error}", a.Flow, a.ActivityId, a.Error);
                break;
            case FlowCompleted { Result: var r }:
                if (r.LostSamples)
                    logger.LogWarning("{Flow}: {Failed} of {Samples} model samples lost after retries ({Error}); the flow ran on the rest", r.Key, r.FailedSamples, r.Samples, r.ModelError);
                else if (r.Status == FlowStatus.Failed)
                    logger.LogWarning("{Flow}: failed: {Error}", r.Key, r.Error);
                else
                    logger.LogDebug("{Flow}: {Status}, {Programs} programs, {Calls} calls, {Tokens} tokens, solved: {Solved}", r.Key, r.Status, r.Programs, r.Calls, r.Tokens,
                        r.Hidden.IsEmpty ? r.SolvedByGeneratedTests : r.SolvedByHiddenTests);
                break;
            case RunCompleted { Result: var run }:
                logger.LogInformation("run {RunId} {Status} in {Seconds:0.0} s{Error}", run.RunId, run.Status.ToString().ToLowerInvariant(), run.Duration.TotalSeconds,
                    run.Error is null ? "" : ": " + run.Error);
                break;
        }
    }
}
