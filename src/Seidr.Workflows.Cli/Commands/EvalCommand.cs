using System.CommandLine;
using System.Globalization;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Runtime.Evaluation;

namespace Seidr.Workflows.Cli.Commands;

/// <summary><c>seidr eval humaneval SAMPLES.jsonl</c>: openai/human-eval's evaluate_functional_correctness, sandboxed and fast.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var samples = new Argument<string>("samples") { Description = "Samples in the official format: one {\"task_id\", \"completion\"} per line (.jsonl or .jsonl.gz)." };
        var problems = new Option<string?>("--problems") { Description = "Problems file (default: humaneval/HumanEval.jsonl.gz in the data folder: SEIDR_DATA, else the repository's data/)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds per sample, as the official harness.", DefaultValueFactory = _ => 3.0 };
        var ks = new Option<string>("--k") { Description = "Comma-separated k values for pass@k.", DefaultValueFactory = _ => "1,10,100" };
        var sandbox = new Option<string>("--sandbox") { Description = "auto (bubblewrap when it works), bubblewrap, rlimits.", DefaultValueFactory = _ => "auto" };
        sandbox.AcceptOnlyFromAmong("auto", "bubblewrap", "rlimits");
        var python = new Option<string>("--python") { Description = "Python interpreter: python3 or pypy3.", DefaultValueFactory = _ => "python3" };
        var parallelism = new Option<int?>("--parallelism") { Description = "Programs at once (default: the number of cores)." };
        var humaneval = new Command("humaneval", "Check HumanEval samples like openai/human-eval (same programs, same verdict strings), write SAMPLES_results.jsonl and print pass@k.")
        { samples, problems, timeout, ks, sandbox, python, parallelism };
        humaneval.SetAction(async (parse, ct) =>
        {
            var samplesPath = parse.GetValue(samples)!;
            var problemsPath = parse.GetValue(problems);
            if (problemsPath is null)
            {
                var data = DatasetCatalog.FindDataDirectory();
                var builtIn = data is null ? null : Path.Combine(data, "humaneval", "HumanEval.jsonl.gz");
                if (builtIn is null || !File.Exists(builtIn))
                    return Invalid(builtIn is null
                        ? "no --problems given and no data folder found (run inside the repository, or set SEIDR_DATA)"
                        : $"no --problems given and {builtIn} does not exist (set SEIDR_DATA to the data folder)");
                problemsPath = builtIn;
            }
            var seconds = parse.GetValue(timeout);
            if (!(seconds > 0) || seconds > 3600) return Invalid($"--timeout must be between 0 and 3600 seconds, got {seconds.ToString(CultureInfo.InvariantCulture)}");
            var kText = parse.GetValue(ks)!;
            var kList = new List<int>();
            foreach (var part in kText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 1)
                    return Invalid($"--k: '{part}' is not a positive whole number (expected e.g. 1,10,100)");
                kList.Add(k);
            }
            if (kList.Count == 0) return Invalid("--k: no values given");
            var par = parse.GetValue(parallelism);
            if (par is < 1) return Invalid($"--parallelism must be at least 1, got {par}");

            try
            {
                await using var runner = await SandboxRunner.StartAsync(new RunnerOptions
                {
                    Sandbox = ExecCommand.SandboxModeOption(parse.GetValue(sandbox)),
                    Python = parse.GetValue(python)!,
                    MaxParallelism = par ?? Environment.ProcessorCount,
                    OnWarning = w => Console.Error.WriteLine(w),
                }, ct);
                var interactive = !Console.IsErrorRedirected;
                var lastShown = -1;
                var progress = new Progress<int>(done =>
                {
                    if (!interactive || done / 50 == lastShown) return;
                    lastShown = done / 50;
                    Console.Error.Write($"\r{done} samples checked");
                });
                var evaluator = new HumanEvalEvaluator(runner);
                var result = await evaluator.EvaluateAsync(samplesPath, problemsPath,
                    new HumanEvalOptions { Timeout = TimeSpan.FromSeconds(seconds), Ks = kList }, progress, ct);
                if (interactive) Console.Error.WriteLine();
                Console.Out.WriteLine($"{result.Results.Length} samples of {result.ProblemsAttempted} problems ({result.ProblemsTotal} in the problems file) in {result.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s ({result.SamplesPerSecond.ToString("F1", CultureInfo.InvariantCulture)} samples/s), sandbox {runner.Sandbox.Mode}");
                Console.Out.WriteLine($"results: {result.ResultsPath}");
                foreach (var (k, value) in result.PassAtK)
                    Console.Out.WriteLine($"pass@{k}: {value.ToString("F4", CultureInfo.InvariantCulture)}");
                foreach (var k in result.SkippedKs)
                    Console.Out.WriteLine($"pass@{k}: skipped (some problem has fewer than {k} samples)");
                return ExitCodes.Ok;
            }
            catch (DatasetException e)
            {
                return Invalid(e.Message);
            }
            catch (ExecutionSetupException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.RunFailed;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.RunFailed;
            }
        });
        var command = new Command("eval", "Evaluate samples the way a benchmark's official harness does.") { humaneval };
        return command;
    }

    private static int Invalid(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return ExitCodes.InvalidInput;
    }
}
