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
        return await root.Parse(args).InvokeAsync();
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
