using System.Collections.Concurrent;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Execution.HumanEval;
using Seidr.Workflows.Problems;

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

    /// <summary>Each program's verdict on the hidden tests, in the order given; a distinct program is judged once per run and language.</summary>
    public async Task<IReadOnlyList<HiddenVerdict>> JudgeAsync(Problem problem, IReadOnlyList<Candidate> programs, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(programs.Select(async p =>
        {
            var (passed, result) = await VerdictAsync(problem, p.Content, cancellationToken);
            return new HiddenVerdict(p.Id, passed, result);
        }));
        return results;
    }

    private async Task<(bool, string)> VerdictAsync(Problem problem, string source, CancellationToken cancellationToken)
    {
        // The language is part of the key: a language matrix axis judges the same problem in Python and in C++.
        var key = ($"{problem.Id}\u0000{problem.Language}", source);
        while (true)
        {
            var task = _verdicts.GetOrAdd(key, k => JudgeOneAsync(problem, k.Source, cancellationToken));
            try { return await task; }
            catch (Exception e)
            {
                // A cancelled or failed judgement is not kept; one cancelled by another flow is done again for this one.
                _verdicts.TryRemove(new KeyValuePair<(string, string), Task<(bool, string)>>(key, task));
                if (e is not OperationCanceledException || cancellationToken.IsCancellationRequested) throw;
            }
        }
    }

    /// <summary>
    /// The test-quality figures of a flow (<see cref="TestQuality"/>): the reference solution (HumanEval's prompt and
    /// canonical solution) runs against the flow's distinct generated tests with the judge's time limit, and every
    /// distinct program the flow drew is judged on the hidden tests. Null without a reference solution.
    /// </summary>
    public async Task<TestQuality?> JudgeTestsAsync(Problem problem, IReadOnlyList<Candidate> submission, IReadOnlyList<Candidate> programs, IReadOnlyList<Candidate> testSets,
        CancellationToken cancellationToken)
    {
        if (problem.CanonicalSolution is not { Length: > 0 } canonical || problem.Shape != ProblemShape.Function) return null;
        var tests = Stages.Execute.GeneratedTests(new Population(testSets));
        if (tests.Count == 0) return null;
        var report = await runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, problem.Prompt + canonical, tests) { TestTimeout = _timeout }, cancellationToken);
        var valid = report.Outcomes.Where(o => o.Passed).Select(o => Support.TestSets.Key(tests[o.Index])).ToHashSet(StringComparer.Ordinal);
        var keys = tests.Select(Support.TestSets.Key).ToHashSet(StringComparer.Ordinal);

        var distinct = programs.GroupBy(p => p.Content, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var verdicts = await Task.WhenAll(distinct.Select(p => VerdictAsync(problem, p.Content, cancellationToken)));
        var wrong = distinct.Where((_, i) => !verdicts[i].Item1).ToList();
        var caught = wrong.Count(p => p.Results.Any(r => !r.Passed && valid.Contains(r.Test)));

        // The submitted test set: the generated tests the top submitted program passed (its results as last executed).
        var top = submission.Count == 0 ? null : programs.FirstOrDefault(p => p.Id == submission[0].Id) ?? submission[0];
        var passed = top is null ? [] : top.Results.Where(r => r.Passed && keys.Contains(r.Test)).Select(r => r.Test).Distinct(StringComparer.Ordinal).ToList();
        return new TestQuality
        {
            Tests = tests.Count,
            ValidTests = valid.Count,
            SubmittedTests = passed.Count,
            SubmittedInvalid = passed.Count(t => !valid.Contains(t)),
            WrongPrograms = wrong.Count,
            WrongCaught = caught,
        };
    }

    private async Task<(bool, string)> JudgeOneAsync(Problem problem, string source, CancellationToken ct)
    {
        var language = Support.Languages.Of(problem);
        foreach (var check in problem.Hidden.OfType<CheckTest>().Where(_ => language == ProgramLanguage.Python))
        {
            var verdict = await runner.CheckAsync(HumanEvalProgram.Build(source, check), _timeout, ct);
            if (!verdict.Passed) return (false, verdict.Result);
        }
        // C++ programs are judged on every hidden test through the C++ harness (HumanEval checks translated).
        var others = problem.Hidden.Where(t => t is not CheckTest || language != ProgramLanguage.Python).ToList();
        if (others.Count > 0)
        {
            var report = await runner.RunTestsAsync(new TestRunRequest(language, source, others)
            {
                TestTimeout = problem.TimeLimit ?? _timeout,
                EntryPoint = problem.EntryPoint,
                Limits = problem.MemoryLimitMb is { } mb ? ExecutionLimits.Default with { MemoryMb = mb } : ExecutionLimits.Default,
            }, ct);
            if (!report.AllPassed)
            {
                var first = report.Outcomes.FirstOrDefault(o => !o.Passed);
                return (false, $"failed: {first?.Status.ToString().ToLowerInvariant()} {first?.Message}".TrimEnd());
            }
        }
        return (true, "passed");
    }
}
