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
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(3);

    public async Task<IReadOnlyList<HiddenVerdict>> JudgeAsync(Problem problem, IReadOnlyList<Candidate> programs, CancellationToken cancellationToken)
    {
        var verdicts = new ConcurrentDictionary<string, Task<(bool, string)>>(StringComparer.Ordinal);
        var results = await Task.WhenAll(programs.Select(async p =>
        {
            var (passed, result) = await verdicts.GetOrAdd(p.Content, source => JudgeOneAsync(problem, source, cancellationToken));
            return new HiddenVerdict(p.Id, passed, result);
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
