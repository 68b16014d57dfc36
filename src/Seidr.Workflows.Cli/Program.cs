using System.CommandLine;
using Seidr.Workflows.Cli.Commands;

namespace Seidr.Workflows.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("seidr: declare LLM program-synthesis experiments as workflows (YAML or Elsa 3 JSON) and run them.");
        foreach (var command in Commands())
            root.Subcommands.Add(command);
        // Ctrl+C cancels the command's token; a run then stops its flows, keeps what finished and writes its summary.
        // That can take a while on a busy machine, so the process is not cut short after System.CommandLine's
        // default 2 s (which exited before the summary was written, or left the run going without its Main).
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(1) });
    }

    public static IEnumerable<Command> Commands() =>
    [
        RunCommand.Create(),
        ValidateCommand.Create(),
        ConvertCommand.Create(),
        ActivitiesCommand.Create(),
        SchemaCommand.Create(),
        ExecCommand.Create(),
        EvalCommand.Create(),
        ServeCommand.Create(),
        ReportCommand.Create(),
        RunsCommand.Create(),
    ];
}
