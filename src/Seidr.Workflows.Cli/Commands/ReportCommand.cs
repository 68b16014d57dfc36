using System.CommandLine;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Reports;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Cli.Commands;

internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run ids in the store, or output folders (holding run.db) whose runs are all taken. Several runs are compared side by side.", Arity = ArgumentArity.OneOrMore };
        var store = new Option<string?>("--store") { Description = "The run store: a PostgreSQL connection string or a SQLite file." };
        var output = new Option<string?>("--out") { Description = "A run's output folder (its run.db is the store)." };
        var html = new Option<string?>("--html") { Description = "Write the HTML report here; its candidate trees go to a sidecar folder next to it (report.html: report.data/), loaded a problem at a time." };
        var csv = new Option<string?>("--csv") { Description = "Write one CSV row per run, variant and problem here." };
        var jsonl = new Option<string?>("--jsonl") { Description = "Write JSON lines (variants with metrics, flows, candidates) here." };
        var command = new Command("report", "Report on stored runs: HTML with metrics, plots and candidate trees (loaded on demand); CSV and JSONL exports. Shards of one run are merged.")
        { runs, store, output, html, csv, jsonl };
        command.SetAction(async (parse, ct) =>
        {
            var (htmlPath, csvPath, jsonlPath) = (parse.GetValue(html), parse.GetValue(csv), parse.GetValue(jsonl));
            if (htmlPath is null && csvPath is null && jsonlPath is null)
            {
                Console.Error.WriteLine("error: say what to write: --html FILE, --csv FILE and/or --jsonl FILE");
                return ExitCodes.InvalidInput;
            }
            var analyses = new List<RunAnalysis>();
            try
            {
                var defaultStore = RunPersistence.Locate(parse.GetValue(store), parse.GetValue(output));
                foreach (var arg in parse.GetValue(runs)!)
                {
                    var folderDb = Directory.Exists(arg) ? Path.Combine(arg, RunPersistence.DefaultFileName) : File.Exists(arg) && arg.EndsWith(".db", StringComparison.Ordinal) ? arg : null;
                    if (folderDb is not null)
                    {
                        var s = await RunStore.OpenExistingAsync(StoreLocation.Sqlite(folderDb), ct);
                        var ids = (await s.ListRunsAsync(ct)).Select(r => r.RunId).ToList();
                        if (ids.Count == 0) throw new RunStoreException($"{folderDb} holds no runs");
                        analyses.AddRange(await Reporter.LoadAsync(s, ids, ct));
                        continue;
                    }
                    if (defaultStore is null)
                        throw new RunStoreException($"'{arg}' is neither an output folder nor a run.db; to name a run by id, give its store with --store or --out");
                    var st = await RunStore.OpenExistingAsync(defaultStore, ct);
                    analyses.AddRange(await Reporter.LoadAsync(st, [arg], ct));
                }
            }
            catch (Exception e) when (e is RunStoreException or ArgumentException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            try
            {
                if (htmlPath is not null) { await Reporter.WriteHtmlAsync(analyses, htmlPath, ct); Console.WriteLine($"html: {Path.GetFullPath(htmlPath)} (candidate trees: {Reporter.SidecarOf(htmlPath)}/)"); }
                if (csvPath is not null) { await Reporter.WriteCsvAsync(analyses, csvPath, ct); Console.WriteLine($"csv: {Path.GetFullPath(csvPath)}"); }
                if (jsonlPath is not null) { await Reporter.WriteJsonlAsync(analyses, jsonlPath, ct); Console.WriteLine($"jsonl: {Path.GetFullPath(jsonlPath)}"); }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: cannot write the report: {e.Message}");
                return ExitCodes.RunFailed;
            }
            foreach (var a in analyses)
                foreach (var v in a.Variants)
                    Console.WriteLine($"{a.Run.Run.Id} {v.Variant.Id}: solved {v.Metrics.GetValueOrDefault("solved")}/{v.Metrics.GetValueOrDefault("problems")} ({a.Run.FlowCount}/{a.Run.Run.TotalProblems * a.Run.Run.TotalVariants} flows stored)");
            return ExitCodes.Ok;
        });
        return command;
    }
}
