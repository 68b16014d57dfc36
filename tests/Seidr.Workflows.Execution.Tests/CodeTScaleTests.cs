using System.Diagnostics;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Problems;
using Xunit.Abstractions;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>CodeT-shaped load on real data: distinct programs x distinct generated asserts, 0.1 s per assert.</summary>
[Collection("runner")]
public sealed class CodeTScaleTests(RunnerFixture fx, ITestOutputHelper output)
{
    private static readonly string[] Stops = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"];

    private static string Cut(string s)
    {
        var end = s.Length;
        foreach (var stop in Stops) { var i = s.IndexOf(stop, StringComparison.Ordinal); if (i >= 0 && i < end) end = i; }
        return s[..end];
    }

    [Theory]
    [InlineData(3, null)]
    [InlineData(3, 3)]
    [Trait("Category", "Slow")]
    public async Task Distinct_programs_against_distinct_generated_asserts(int problemCount, int? maxTimeouts) => await Run(problemCount, maxTimeouts);

    [Fact]
    public async Task One_problem_of_real_codet_load() => await Run(1, null);

    private async Task Run(int problemCount, int? maxTimeouts)
    {
        var problems = HumanEvalLoader.Load(Data.HumanEval("HumanEval_no_examples.jsonl.gz"), "humaneval").Take(problemCount).ToList();
        var codeByPrompt = JsonLines.Read(Data.HumanEval("codegen16B_code_samples.jsonl.gz"))
            .ToDictionary(x => x.Value.GetProperty("prompt").GetString()!, x => x.Value.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!).ToList());
        var testPrompts = JsonLines.Read(Data.HumanEval("HumanEval_test_generation_prompts.jsonl.gz"))
            .ToDictionary(x => x.Value.GetProperty("task_id").GetString()!, x => x.Value.GetProperty("prompt").GetString()!);
        var testsByPrompt = JsonLines.Read(Data.HumanEval("codegen16B_test_samples.jsonl.gz"))
            .ToDictionary(x => x.Value.GetProperty("prompt").GetString()!, x => x.Value.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!).ToList());

        long programs = 0, tests = 0, runs = 0, passed = 0, timeouts = 0;
        double timeoutMs = 0;
        var sw = Stopwatch.StartNew();
        foreach (var p in problems)
        {
            var codes = codeByPrompt[p.Prompt].Select(c => p.Prompt + Cut(c)).Distinct().ToList();
            var asserts = testsByPrompt[testPrompts[p.Id]]
                .SelectMany(s => s.Split("assert ").Skip(1).Where(t => t.Contains(p.EntryPoint!, StringComparison.Ordinal))
                    .Select(t => "assert " + Cut(t).Trim()).Take(5))
                .Distinct().Select(t => (TestSpec)new AssertTest(t)).ToList();
            var reports = await Task.WhenAll(codes.Select(c => fx.Runner.RunTestsAsync(
                new TestRunRequest(ProgramLanguage.Python, c, asserts) { TestTimeout = TimeSpan.FromMilliseconds(100), MaxTimeouts = maxTimeouts, Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromSeconds(1) } })));
            reports.Should().OnlyContain(r => r.Outcomes.Length == asserts.Count);
            programs += codes.Count; tests += asserts.Count; runs += (long)codes.Count * asserts.Count;
            passed += reports.Sum(r => r.PassedCount);
            timeouts += reports.Sum(r => r.Outcomes.Count(o => o.Status == TestStatus.Timeout));
            timeoutMs += reports.Sum(r => r.Outcomes.Where(o => o.Status == TestStatus.Timeout).Sum(o => o.WallMs));
        }
        sw.Stop();
        output.WriteLine($"max timeouts {maxTimeouts?.ToString() ?? "none"}: {timeouts} timeouts taking {timeoutMs / 1000:F1} s; {problemCount} problems: {programs} programs x {tests} asserts = {runs} judgements ({passed} passed) in {sw.Elapsed.TotalSeconds:F1} s = {runs / sw.Elapsed.TotalSeconds:F0} asserts/s, {programs / sw.Elapsed.TotalSeconds:F1} programs/s");
        passed.Should().BeGreaterThan(0);
        passed.Should().BeLessThan(runs);
    }
}
