using System.CommandLine;
using Microsoft.Extensions.Logging;
using Seidr.Workflows.Designer;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Cli.Commands;

/// <summary><c>seidr serve</c>: the Elsa Studio designer over the workflow files, on loopback.</summary>
internal static class ServeCommand
{
    public const string ApiKeyVariable = "SEIDR_DESIGNER_API_KEY";

    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (0: any free port).", DefaultValueFactory = _ => 5000 };
        var workflows = new Option<string>("--workflows", "-w") { Description = "Folder of workflow files to edit (*.yaml, *.yml, *.json).", DefaultValueFactory = _ => "workflows" };
        var host = new Option<string>("--host") { Description = "Address to bind. Anything but loopback needs --api-key.", DefaultValueFactory = _ => "127.0.0.1" };
        var apiKey = new Option<string?>("--api-key") { Description = $"Key the page and API require (Authorization: ApiKey <key>; open the page with ?key=<key>). Default: ${ApiKeyVariable}." };
        var studio = new Option<string?>("--studio") { Description = "The unpacked Elsa Studio bundle (default: scripts/install-studio.sh's location, or $SEIDR_STUDIO_DIR)." };
        var runs = new Option<string?>("--runs") { Description = "Folder for the output of runs started from the designer (default: runs/ in the project)." };
        var store = new Option<string?>("--store") { Description = "The shared run store (a SQLite file or a PostgreSQL connection string): page runs write to it, and /runs lists and follows every run in it, also those of seidr run --store. Without it, runs/*/run.db are read." };
        var plugins = PluginOption.Create();
        plugins.Description = "A class library (.dll) of activities for the palette (repeatable); a workflow that uses them lists it under experiment.plugins.";
        var command = new Command("serve", "Edit workflows in the Elsa Studio designer: saves go back to the files in their own format; Run runs them.")
        { port, workflows, host, apiKey, studio, runs, store, plugins };
        command.SetAction(async (parse, ct) =>
        {
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning));
            if (PluginOption.Catalog(parse, plugins) is not { } catalog) return ExitCodes.InvalidInput;
            var options = new DesignerOptions
            {
                // The palette has the plugins; each workflow is still validated and run with its own experiment.plugins.
                Catalog = catalog,
                Validate = loaded => ExperimentRunner.Validate(loaded),
                WorkflowsDirectory = parse.GetValue(workflows)!,
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                ApiKey = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable),
                StudioDirectory = parse.GetValue(studio),
                RunsDirectory = parse.GetValue(runs),
                Store = parse.GetValue(store),
                LoggerFactory = loggerFactory,
            };
            DesignerHost designer;
            try { designer = await DesignerHost.StartAsync(options, ct); }
            catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException or IOException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            await using (designer)
            {
                if (designer.StudioDirectory is null)
                    Console.Error.WriteLine("warning: the Elsa Studio bundle is not installed; run scripts/install-studio.sh (the API still works)");
                Console.WriteLine($"Seidr designer: {designer.Url}  (workflows: {designer.WorkflowsDirectory}; Ctrl+C stops)");
                try { await Task.Delay(Timeout.Infinite, ct); }
                catch (OperationCanceledException) { }
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
