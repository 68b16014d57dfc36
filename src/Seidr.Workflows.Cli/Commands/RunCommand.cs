using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Seidr.Workflows.Cli.Display;
using Seidr.Workflows.Cli.Logging;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Runtime;
using Spectre.Console;

namespace Seidr.Workflows.Cli.Commands;

internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("file") { Description = "The workflow file to run (with --resume: optional, the run's own file).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--out") { Description = "Folder for summary.json, flows.jsonl and the response cache." };
        var problems = new Option<string?>("--problems") { Description = "Override the workflow's problem selection (e.g. 0-9, HumanEval/3, random:20:seed=1)." };
        var seed = new Option<int?>("--seed") { Description = "Override the workflow's seed." };
        var variants = new Option<string[]>("--variant") { Description = "Run only these variant ids (repeatable).", AllowMultipleArgumentsPerToken = true };
        var cache = new Option<string?>("--cache") { Description = "Response cache mode: read-write (default), read-only, off." };
        cache.AcceptOnlyFromAmong("read-write", "read-only", "off");
        var sandbox = new Option<string>("--sandbox") { Description = "Where programs run: auto (bubblewrap when it works), bubblewrap, rlimits.", DefaultValueFactory = _ => "auto" };
        sandbox.AcceptOnlyFromAmong("auto", "bubblewrap", "rlimits");
        var maxFlows = new Option<int?>("--max-flows") { Description = "Most problem-variant flows at once (default: the workflow's concurrency, else 4)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No live progress; only the final table." };
        var store = new Option<string?>("--store") { Description = "Run store: a PostgreSQL connection string (Host=...;Database=...) or a SQLite file (default: run.db in --out)." };
        var runId = new Option<string?>("--run-id") { Description = "Run id (default: a new one; in a Slurm array job: slurm-$SLURM_ARRAY_JOB_ID). Shards of one run share it." };
        var resume = new Option<string?>("--resume") { Description = "Finish run RUN_ID from its store (--out DIR holding run.db, or --store): finished flows are kept, the rest run again with cached model answers." };
        var shard = new Option<string?>("--shard") { Description = "Run shard i/n: every n-th problem (or variant, --shard-by) from the i-th (0-based; default from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT)." };
        var shardBy = new Option<string>("--shard-by") { Description = "What shards split: problem (default; each shard runs every variant on its problems) or variant (each shard runs its variants on every problem: --array=0-(variants-1) runs one variant per array task).", DefaultValueFactory = _ => "problem" };
        shardBy.AcceptOnlyFromAmong("problem", "variant");
        var commitPrograms = new Option<string?>("--commit-programs") { Description = "Commit programs to this git folder, on the branch seidr/RUN_ID, with their scores in the messages: each flow's best program (after the run), and every program as it is scored with --commit-every. Author: GIT_USER, GIT_EMAIL." };
        var commitEvery = new Option<bool>("--commit-every") { Description = "With --commit-programs: commit every program as it is scored (SEIDR's way), not only each flow's best." };
        var commitRemote = new Option<string?>("--commit-remote") { Description = "With --commit-programs: push the run's branch to this git remote (URL or path) when the run ends." };
        var storeWait = new Option<string?>("--store-wait") { Description = "How long to wait out a run store that is away (a database restart) before the run stops: 90s, 5m (default 2m)." };
        var verdictCache = new Option<string?>("--verdicts") { Description = "Verdict cache: a file shared between runs (default: verdicts.db in --out), or 'off' to execute every program. A re-run whose programs and tests did not change executes nothing." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log everything from debug up on stderr (warnings and errors otherwise); --out's run.log always has it all." };
        var command = new Command("run", "Run a workflow: every problem under every variant of its matrix, with live progress and a table per variant.")
        { file, output, problems, seed, variants, cache, verdictCache, sandbox, maxFlows, quiet, store, runId, resume, shard, shardBy, commitPrograms, commitEvery, commitRemote, storeWait, verbose };
        command.SetAction(async (parse, ct) =>
        {
            var progress = new RunProgress();
            (int, int)? shardValue;
            try
            {
                shardValue = parse.GetValue(shard) is { } sh ? RunPersistence.ParseShard(sh) : RunPersistence.ShardFromSlurm();
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            try
            {
                RunPersistence.Locate(parse.GetValue(store), null);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: --store: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            TimeSpan? storeRetryFor = null;
            if (parse.GetValue(storeWait) is { } wait)
            {
                try { storeRetryFor = Durations.Parse(wait); }
                catch (FormatException e)
                {
                    Console.Error.WriteLine($"error: --store-wait: {e.Message}");
                    return ExitCodes.InvalidInput;
                }
            }
            if ((parse.GetValue(commitEvery) || parse.GetValue(commitRemote) is not null) && parse.GetValue(commitPrograms) is null && parse.GetValue(resume) is null)
            {
                Console.Error.WriteLine("error: --commit-every and --commit-remote need --commit-programs DIR (the git folder to commit in)");
                return ExitCodes.InvalidInput;
            }
            var resumeId = parse.GetValue(resume);
            if (resumeId is null && parse.GetValue(file) is null)
            {
                Console.Error.WriteLine("error: give the workflow file to run (or --resume RUN_ID)");
                return ExitCodes.InvalidInput;
            }
            var id = resumeId ?? parse.GetValue(runId)
                ?? (shardValue is not null && Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { Length: > 0 } job ? $"slurm-{job}" : null);
            var options = new ExperimentOptions
            {
                WorkflowPath = parse.GetValue(file) ?? "",
                RunId = id,
                Store = parse.GetValue(store),
                Shard = shardValue,
                ShardBy = parse.GetValue(shardBy) == "variant" ? ShardAxis.Variant : ShardAxis.Problem,
                CommitPrograms = parse.GetValue(commitPrograms),
                CommitEvery = parse.GetValue(commitEvery),
                CommitRemote = parse.GetValue(commitRemote),
                OutputDirectory = parse.GetValue(output),
                Problems = parse.GetValue(problems),
                Seed = parse.GetValue(seed),
                Variants = parse.GetValue(variants) is { Length: > 0 } v ? v.ToHashSet() : null,
                Cache = parse.GetValue(cache) is { } c ? Models.ModelLayer.ParseMode(c) : null,
                VerdictCacheOff = parse.GetValue(verdictCache) == "off",
                VerdictCachePath = parse.GetValue(verdictCache) is { } vc and not "off" ? vc : null,
                Sandbox = parse.GetValue(sandbox) switch { "bubblewrap" => SandboxMode.Bubblewrap, "rlimits" => SandboxMode.RlimitsOnly, _ => SandboxMode.Auto },
                MaxFlows = parse.GetValue(maxFlows),
                Observers = [progress],
                StoreRetryFor = storeRetryFor,
            };
            if (resumeId is not null)
            {
                if (RunPersistence.Locate(options.Store, options.OutputDirectory) is not { } location)
                {
                    Console.Error.WriteLine($"error: --resume {resumeId} needs the run's store: --out DIR (the folder holding {RunPersistence.DefaultFileName}) or --store CONNECTION");
                    return ExitCodes.InvalidInput;
                }
                try
                {
                    options = await RunPersistence.ResumeOptionsAsync(resumeId, location, options, ct);
                }
                catch (Persistence.RunStoreException e)
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    return ExitCodes.InvalidInput;
                }
            }
            var redactor = SecretRedactor.FromEnvironment();
            using var display = new DisplayLog(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Warning, redactor);
            using var fileLog = options.OutputDirectory is { } outDir ? new FileLog(Path.Combine(outDir, "run.log"), redactor) : null;
            using var loggers = LoggerFactory.Create(b =>
            {
                b.SetMinimumLevel(LogLevel.Debug);
                b.AddProvider(display);
                if (fileLog is not null) b.AddProvider(fileLog);
            });
            return await RunAsync(options with { LoggerFactory = loggers }, progress, display, parse.GetValue(quiet), ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(ExperimentOptions options, RunProgress progress, DisplayLog display, bool quiet, CancellationToken ct)
    {
        ExperimentResult result;
        try
        {
            var run = ExperimentRunner.RunAsync(options, ct);
            await ShowProgressAsync(run, progress, display, quiet);
            result = await run;
        }
        catch (WorkflowException e)
        {
            foreach (var d in e.Diagnostics) Console.Error.WriteLine(d);
            return ExitCodes.InvalidInput;
        }
        catch (Persistence.RunConflictException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is Datasets.Loading.DatasetException or Models.ModelException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.RunFailed;
        }
        foreach (var w in result.Warnings) Console.Error.WriteLine(w);
        PrintSummary(result);
        if (result.SummaryPath is not null) Console.WriteLine($"summary: {result.SummaryPath}");
        if (result.Execution is { VerdictCache: not null } ex)
            Console.WriteLine($"execution: {ex.Executed} run in the sandbox, {ex.FromCache} from the verdict cache ({ex.VerdictCache})");
        if (result.Execution.VerdictsNotStored > 0)
            Console.Error.WriteLine($"warning: {result.Execution.VerdictsNotStored} verdicts could not be stored in the verdict cache ({result.Execution.VerdictCacheError}); a later run executes them again");
        if (result.StorePath is not null) Console.WriteLine($"store: {result.StorePath} (run {result.Run.RunId}{(result.ResumedFlows > 0 ? $", {result.ResumedFlows} finished flows kept from earlier sessions" : "")})");
        if (result.ProgramCommits is { } commits)
            Console.WriteLine($"programs: {commits.Commits} commits on branch {commits.Branch}{(commits.Pushed ? ", pushed" : "")}");
        if (result.Run.Status == RunStatus.Cancelled)
        {
            Console.Error.WriteLine("cancelled: finished flows are kept in the summary");
            return ExitCodes.RunFailed;
        }
        var flows = result.Run.Variants.SelectMany(v => v.Flows).ToList();
        int exit = ExitCodes.Ok;
        if (result.Run.Status == RunStatus.Failed)
        {
            Console.Error.WriteLine($"error: the run stopped: {result.Run.Error}");
            if (result.StoreError is not null)
                Console.Error.WriteLine($"  the finished flows are in {result.SummaryPath ?? "the summary"}; once the store is back, `seidr run --resume {result.Run.RunId}` finishes the run with the cached model answers");
            exit = ExitCodes.RunFailed;
        }
        else if (result.StoreError is not null)
        {
            Console.Error.WriteLine($"error: {result.StoreError}");
            exit = ExitCodes.RunFailed;
        }
        if (result.ProgramCommits?.Problem is { } gitProblem)
        {
            Console.Error.WriteLine($"error: {gitProblem}");
            exit = ExitCodes.RunFailed;
        }
        var failed = flows.Where(f => f.Status == FlowStatus.Failed).ToList();
        if (failed.Count > 0)
        {
            foreach (var f in failed.Take(10)) Console.Error.WriteLine($"failed: {f.Key}: {f.Error}");
            if (failed.Count > 10) Console.Error.WriteLine($"... and {failed.Count - 10} more failed flows");
            exit = ExitCodes.RunFailed;
        }
        var lost = flows.Where(f => f.LostSamples).ToList();
        if (lost.Count > 0)
        {
            var allowed = result.Workflow.Experiment.AllowFailedSamples;
            Console.Error.WriteLine($"{(allowed ? "warning" : "error")}: {lost.Sum(f => f.FailedSamples)} of {flows.Sum(f => f.Samples)} model samples were lost after their retries, in {lost.Count} flows" +
                (allowed ? " (allowed by experiment.allow_failed_samples)" : $"; `seidr run --resume {result.Run.RunId}` runs those flows again and asks only the failed calls"));
            foreach (var f in lost.Take(10)) Console.Error.WriteLine($"  {f.Key}: {f.FailedSamples} of {f.Samples} samples lost: {f.ModelError}");
            if (lost.Count > 10) Console.Error.WriteLine($"  ... and {lost.Count - 10} more flows");
            if (!allowed) exit = ExitCodes.RunFailed;
        }
        return exit;
    }

    private static async Task ShowProgressAsync(Task run, RunProgress progress, DisplayLog display, bool quiet)
    {
        if (quiet) { await Task.WhenAny(run); return; }
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
        {
            // The live line and the log lines share stderr through one console, written from this loop only: log lines
            // appear above the status line instead of tearing it. stdout keeps only the results.
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            display.Live = true;
            try
            {
                await console.Status().StartAsync("starting", async ctx =>
                {
                    while (!run.IsCompleted)
                    {
                        foreach (var line in display.Drain()) console.WriteLine(line, Style.Plain);
                        ctx.Status(Markup.Escape(progress.Line()));
                        await Task.WhenAny(run, Task.Delay(250));
                    }
                });
            }
            finally { display.Live = false; }
            return;
        }
        // Not a terminal (CI, a pipe): a plain line every few seconds.
        var last = "";
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5)));
            var line = progress.Line();
            if (line != last && !run.IsCompleted) Console.Error.WriteLine(line);
            last = line;
        }
    }

    private static readonly string[] Columns = ["problems", "solved", "solved_share", "pass@1", "pass@10", "programs", "calls", "tokens", "time_s", "failed_samples"];

    public static void PrintSummary(ExperimentResult result)
    {
        var models = string.Join(", ", result.Models.Select(kv => kv.Value == "scripted" ? $"{kv.Key} (SCRIPTED model: answers from a file)" : $"{kv.Key} ({kv.Value})"));
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(result.Workflow.Name ?? result.Workflow.DefinitionId)}[/]  run {result.Run.RunId}  {RunStatusNames.Of(result.Run.Status)} in {result.Run.Duration.TotalSeconds:0.0}s  models: {Markup.Escape(models)}  sandbox: {result.Sandbox.Mode}");
        var extra = result.Run.Variants.SelectMany(v => v.Metrics.Keys).Distinct().Where(k => k.StartsWith("pass@", StringComparison.Ordinal) && !Columns.Contains(k)).Order();
        // failed_samples is shown when some variant lost samples (the line under the table always says how many).
        var columns = Columns.Where(c => result.Run.Variants.Any(v => v.Metrics.TryGetValue(c, out var x) && (c != "failed_samples" || x > 0))).Concat(extra).ToList();
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var table = new Table().AddColumn("variant");
        foreach (var c in columns) table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var v in result.Run.Variants)
            table.AddRow([Markup.Escape(v.Variant.Id), .. columns.Select(c => v.Metrics.TryGetValue(c, out var x) ? Format(c, x) : "")]);
        AnsiConsole.Write(table);
        var flows = result.Run.Variants.SelectMany(v => v.Flows).ToList();
        int samples = flows.Sum(f => f.Samples), failedSamples = flows.Sum(f => f.FailedSamples);
        if (samples > 0)
            AnsiConsole.MarkupLine(failedSamples == 0
                ? $"model samples: {samples:N0} asked, all delivered ({flows.Sum(f => f.Retries):N0} retries)"
                : $"[red]model samples: {samples:N0} asked, {failedSamples:N0} LOST after retries ({flows.Sum(f => f.FailedCalls):N0} failed calls)[/]");
        if (result.RunBudget is { } budget)
        {
            var (cost, calls, tokens) = budget.Spent;
            var parts = new List<string>();
            if (budget.CostCap is { } cc) parts.Add($"cost {cost:0.####} of {cc:0.####}");
            if (budget.CallsCap is { } kc) parts.Add($"calls {calls:N0} of {kc:N0}");
            if (budget.TokensCap is { } tc) parts.Add($"tokens {tokens:N0} of {tc:N0}");
            var stopped = flows.Where(f => f.ExhaustedLimit?.StartsWith("run_budget.", StringComparison.Ordinal) == true).ToList();
            AnsiConsole.MarkupLine(Markup.Escape($"run budget: {string.Join(", ", parts)}" +
                (stopped.Count > 0 ? $"; {stopped.Count} flows stopped by it ({string.Join(", ", stopped.GroupBy(f => f.ExhaustedLimit).Select(g => $"{g.Key}: {g.Count()}"))})" : "")));
        }
    }

    private static string Format(string metric, double value) =>
        metric.StartsWith("pass@", StringComparison.Ordinal) || metric.EndsWith("_share", StringComparison.Ordinal) ? (100 * value).ToString("0.0", CultureInfo.InvariantCulture) + "%"
        : value == Math.Floor(value) ? value.ToString("N0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);
}
