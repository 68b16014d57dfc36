using System.Collections.Immutable;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// Verdicts of single program-test pairs. A program's tests without a verdict (and not being run by another flow)
/// run as one batch in one process; each pair's verdict is then kept, so the next round runs only its new pairs.
/// </summary>
internal sealed class PairVerdicts
{
    private readonly Dictionary<(string Source, string Test, VerdictSetting Setting), Task<TestResult?>> _verdicts = [];

    /// <summary>Pairs with a verdict (or one being run).</summary>
    public int Count
    {
        get { lock (_verdicts) return _verdicts.Count; }
    }

    /// <summary>Forgets every verdict (the run that owned them ended).</summary>
    public void Clear()
    {
        lock (_verdicts) _verdicts.Clear();
    }

    /// <summary>The verdicts of <paramref name="source"/> on <paramref name="tests"/>; the pairs without one run as one batch through <paramref name="run"/>.</summary>
    public async Task<ImmutableArray<TestResult>> ResultsAsync(string source, List<TestSpec> tests, VerdictSetting setting, Func<string, List<TestSpec>, Task<TestReport>> run)
    {
        var tasks = new Task<TestResult?>[tests.Count];
        var missing = new List<TestSpec>();
        TaskCompletionSource<TestReport>? batch = null;
        lock (_verdicts)
        {
            for (int i = 0; i < tests.Count; i++)
            {
                var key = (source, TestSets.Key(tests[i]), setting);
                if (_verdicts.TryGetValue(key, out var known)) { tasks[i] = known; continue; }
                batch ??= new TaskCompletionSource<TestReport>(TaskCreationOptions.RunContinuationsAsynchronously);
                tasks[i] = _verdicts[key] = Pick(batch.Task, tests[i], missing.Count);
                missing.Add(tests[i]);
            }
        }
        if (batch is not null)
        {
            try { batch.SetResult(await run(source, missing)); }
            catch (Exception e)
            {
                // A cancelled or failed batch is not kept: another round or flow runs those pairs again.
                lock (_verdicts)
                    foreach (var t in missing) _verdicts.Remove((source, TestSets.Key(t), setting));
                if (e is OperationCanceledException oce) batch.SetCanceled(oce.CancellationToken); else batch.SetException(e);
                throw;
            }
        }
        var results = await Task.WhenAll(tasks);
        return [.. results.OfType<TestResult>()];
    }

    /// <summary>The verdict of the test at <paramref name="index"/> in its batch (null when the runner reported none for it).</summary>
    private static async Task<TestResult?> Pick(Task<TestReport> batch, TestSpec test, int index)
    {
        var report = await batch;
        var outcome = report.Outcomes.FirstOrDefault(o => o.Index == index);
        return outcome is null ? null : TestSets.Result(test, outcome, report);
    }
}
