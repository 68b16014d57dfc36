using System.Collections.Concurrent;
using Seidr.Workflows.Datasets.Problems;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Execution.HumanEval;

namespace Seidr.Workflows.Activities.Judging;

/// <summary>
/// Judges submitted programs on the hidden tests, for the final metrics only. HumanEval-style check programs are
/// run as the official harness does; assert and stdin/stdout tests must all pass.
/// </summary>
public sealed class HiddenTestJudge(SandboxRunner runner, TimeSpan? timeout = null) : ISubmissionJudge
{
    private readonly TimeSpan _timeout = timeout ?? DefaultTimeout;

    /// <summary>The official harness's limit, used unless the experiment sets <see cref="TimeoutSetting"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The experiment setting (<c>experiment.judge_timeout_ms</c>) that sets the judge's time limit per program, e.g. 100 for CodeT's 0.1 s.</summary>
    public const string TimeoutSetting = "judge_timeout_ms";

    /// <summary>The judge's time limit set by an experiment, or null (default). Throws <see cref="ArgumentException"/> for a value that is not a positive number.</summary>
    public static TimeSpan? TimeoutOf(Definitions.ExperimentSettings experiment)
    {
        if (experiment.Extras?[TimeoutSetting] is not { } node) return null;
        var text = node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) || !(ms > 0) || double.IsInfinity(ms))
            throw new ArgumentException($"experiment.{TimeoutSetting}: expected a positive number of milliseconds, got '{node.ToJsonString()}'");
        return TimeSpan.FromMilliseconds(ms);
    }

    // One judgement per distinct program of a problem for the whole run: the variants of a ranking comparison submit
    // the same programs (the baseline all of them, the rankings a few), and each is judged once.
    private readonly ConcurrentDictionary<(string Problem, string Source), Task<(bool, string)>> _verdicts = new();

    public async Task<IReadOnlyList<HiddenVerdict>> JudgeAsync(Problem problem, IReadOnlyList<Candidate> programs, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(programs.Select(async p =>
        {
            var key = (problem.Id, p.Content);
            while (true)
            {
                var task = _verdicts.GetOrAdd(key, k => JudgeOneAsync(problem, k.Source, cancellationToken));
                try
                {
                    var (passed, result) = await task;
                    return new HiddenVerdict(p.Id, passed, result);
                }
                catch (Exception e)
                {
                    // A cancelled or failed judgement is not kept; one cancelled by another flow is done again for this one.
                    _verdicts.TryRemove(new KeyValuePair<(string, string), Task<(bool, string)>>(key, task));
                    if (e is not OperationCanceledException || cancellationToken.IsCancellationRequested) throw;
                }
            }
        }));
        return results;
    }

    private async Task<(bool, string)> JudgeOneAsync(Problem problem, string source, CancellationToken ct)
    {
        foreach (var check in problem.Hidden.OfType<CheckTest>())
        {
            var verdict = await runner.CheckAsync(HumanEvalProgram.Build(source, check), _timeout, ct);
            if (!verdict.Passed) return (false, verdict.Result);
        }
        var others = problem.Hidden.Where(t => t is not CheckTest).ToList();
        if (others.Count > 0)
        {
            var report = await runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, source, others) { TestTimeout = _timeout }, ct);
            if (!report.AllPassed)
            {
                var first = report.Outcomes.FirstOrDefault(o => !o.Passed);
                return (false, $"failed: {first?.Status.ToString().ToLowerInvariant()} {first?.Message}".TrimEnd());
            }
        }
        return (true, "passed");
    }
}
