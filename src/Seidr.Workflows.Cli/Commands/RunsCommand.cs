using System.CommandLine;
using System.Globalization;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Runtime;
using Spectre.Console;

namespace Seidr.Workflows.Cli.Commands;

internal static class RunsCommand
{
    public static Command Create()
    {
        var store = new Option<string?>("--store") { Description = "The run store: a PostgreSQL connection string or a SQLite file." };
        var output = new Option<string?>("--out") { Description = "A run's output folder (its run.db is the store)." };
        var command = new Command("runs", "List the runs of a store with their status: completed, running, interrupted (resume with `seidr run --resume ID`), cancelled, failed.")
        { store, output };
        command.SetAction(async (parse, ct) =>
        {
            IReadOnlyList<RunListing> runs;
            StoreLocation? location;
            try
            {
                location = RunPersistence.Locate(parse.GetValue(store), parse.GetValue(output));
                if (location is null)
                {
                    Console.Error.WriteLine("error: give the store: --store CONNECTION or --out DIR (holding run.db)");
                    return ExitCodes.InvalidInput;
                }
                runs = await (await RunStore.OpenExistingAsync(location, ct)).ListRunsAsync(ct);
            }
            catch (Exception e) when (e is RunStoreException or ArgumentException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
            var table = new Table().AddColumns("run", "workflow", "started (UTC)", "flows", "sessions", "status");
            foreach (var r in runs)
                table.AddRow(Markup.Escape(r.RunId), Markup.Escape(r.WorkflowName ?? r.WorkflowId), r.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    $"{r.Flows}/{r.ExpectedFlows}", r.Sessions.ToString(CultureInfo.InvariantCulture), r.Status);
            AnsiConsole.Write(table);
            if (runs.Count == 0) Console.WriteLine($"no runs in {location}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
