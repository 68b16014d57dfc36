using System.IO.Compression;
using System.Text.Json;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Runtime.Evaluation;

namespace Seidr.Workflows.Cli.Tests;

/// <summary><c>seidr eval humaneval</c>'s evaluator, on openai/human-eval's recorded verdicts.</summary>
public sealed class HumanEvalEvaluatorTests(HumanEvalEvaluatorTests.RunnerFixture fx) : IClassFixture<HumanEvalEvaluatorTests.RunnerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-eval-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task Evaluates_official_format_writes_results_in_input_order_and_computes_pass_at_k()
    {
        // 3 problems x 4 samples from the reference verdicts (interleaved, so input order != problem order).
        var refs = LoadReference().Where(r => r.TaskId is "HumanEval/0" or "HumanEval/2" or "HumanEval/12" && r.Sample < 4)
            .OrderBy(r => r.Sample).ThenBy(r => r.TaskId).ToList();
        refs.Should().HaveCount(12);
        var samples = Path.Combine(_dir, "samples.jsonl.gz");
        await using (var gz = new GZipStream(File.Create(samples), CompressionLevel.Fastest))
        await using (var w = new StreamWriter(gz))
            foreach (var r in refs) await w.WriteLineAsync(JsonSerializer.Serialize(new { task_id = r.TaskId, completion = r.Completion, extra = r.Sample }));

        var eval = await new HumanEvalEvaluator(fx.Runner).EvaluateAsync(samples, Data.HumanEval("HumanEval_no_examples.jsonl.gz"),
            new HumanEvalOptions { Ks = [1, 2, 10] });

        eval.Results.Select(r => r.Result).Should().Equal(refs.Select(r => r.Result));
        eval.ProblemsAttempted.Should().Be(3);
        eval.ProblemsTotal.Should().Be(164);
        var expected1 = refs.GroupBy(r => r.TaskId).Average(g => PassAtK.Estimate(g.Count(), g.Count(x => x.Passed), 1));
        var expected2 = refs.GroupBy(r => r.TaskId).Average(g => PassAtK.Estimate(g.Count(), g.Count(x => x.Passed), 2));
        eval.PassAtK.Keys.Should().Equal(1, 2);
        eval.PassAtK[1].Should().BeApproximately(expected1, 1e-12);
        eval.PassAtK[2].Should().BeApproximately(expected2, 1e-12);
        eval.SkippedKs.Should().Equal(10);

        eval.ResultsPath.Should().Be(samples + "_results.jsonl");
        var lines = File.ReadAllLines(eval.ResultsPath!);
        lines.Should().HaveCount(12);
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var o = doc.RootElement;
            o.EnumerateObject().Select(p => p.Name).Should().Equal("task_id", "completion", "extra", "result", "passed");
            o.GetProperty("task_id").GetString().Should().Be(refs[i].TaskId);
            o.GetProperty("extra").GetInt32().Should().Be(refs[i].Sample);
            o.GetProperty("result").GetString().Should().Be(refs[i].Result);
            o.GetProperty("passed").GetBoolean().Should().Be(refs[i].Passed);
        }
    }

    [Fact]
    public async Task Invalid_input_names_the_file_and_line()
    {
        var problems = Data.HumanEval("HumanEval.jsonl.gz");
        var evaluator = new HumanEvalEvaluator(fx.Runner);

        var bad = Path.Combine(_dir, "bad.jsonl");
        await File.WriteAllLinesAsync(bad, ["{\"task_id\": \"HumanEval/0\", \"completion\": \"    return True\\n\"}", "", "{not json"]);
        var e1 = await evaluator.Invoking(x => x.EvaluateAsync(bad, problems)).Should().ThrowAsync<DatasetException>();
        e1.Which.Message.Should().StartWith($"{bad}:3:");

        var unknown = Path.Combine(_dir, "unknown.jsonl");
        await File.WriteAllLinesAsync(unknown, ["{\"task_id\": \"HumanEval/999\", \"completion\": \"\"}"]);
        (await evaluator.Invoking(x => x.EvaluateAsync(unknown, problems)).Should().ThrowAsync<DatasetException>())
            .Which.Message.Should().Contain($"{unknown}:1:").And.Contain("HumanEval/999");

        var missing = Path.Combine(_dir, "missing-field.jsonl");
        await File.WriteAllLinesAsync(missing, ["{\"task_id\": \"HumanEval/0\"}"]);
        (await evaluator.Invoking(x => x.EvaluateAsync(missing, problems)).Should().ThrowAsync<DatasetException>())
            .Which.Message.Should().Contain("completion");

        (await evaluator.Invoking(x => x.EvaluateAsync(Path.Combine(_dir, "nope.jsonl"), problems)).Should().ThrowAsync<DatasetException>())
            .Which.Message.Should().Contain("not found");
        File.Exists(bad + "_results.jsonl").Should().BeFalse();
    }

    private sealed record Reference(string TaskId, int Sample, string Completion, bool Passed, string Result);

    private static List<Reference> LoadReference() =>
        JsonLines.Read(Data.HumanEval("reference_verdicts_first10.jsonl.gz"))
            .Select(x => new Reference(
                x.Value.RequiredString("task_id", "ref", x.Line),
                x.Value.GetProperty("sample").GetInt32(),
                x.Value.RequiredString("completion", "ref", x.Line),
                x.Value.GetProperty("passed").GetBoolean(),
                x.Value.RequiredString("result", "ref", x.Line)))
            .ToList();

    private static class Data
    {
        public static string HumanEval(string file) => Seidr.Path_("data", "humaneval", file);
    }

    /// <summary>One bubblewrap runner for the class's tests, as Execution.Tests' runner collection has.</summary>
    public sealed class RunnerFixture : IAsyncLifetime
    {
        public SandboxRunner Runner { get; private set; } = null!;

        public async Task InitializeAsync() => Runner = await SandboxRunner.StartAsync(new RunnerOptions { Sandbox = SandboxMode.Bubblewrap });

        public async Task DisposeAsync() => await Runner.DisposeAsync();
    }
}
