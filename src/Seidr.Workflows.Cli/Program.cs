using System.CommandLine;
using Seidr.Workflows.Cli.Commands;

namespace Seidr.Workflows.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("seidr: declare LLM program-synthesis experiments as workflows (YAML or Elsa 3 JSON) and run them.");
        foreach (var command in Commands())
            root.Subcommands.Add(command);
        // Ctrl+C cancels the command's token; a run then stops its flows, keeps what finished and writes its summary.
        // That can take a while on a busy machine, so the process is not cut short after System.CommandLine's
        // default 2 s (which exited before the summary was written, or left the run going without its Main).
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration
            {
                ProcessTerminationTimeout = TimeSpan.FromMinutes(1),
                // Ours below: one line for the user instead of System.CommandLine's stack trace.
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return ExitCodes.RunFailed;
        }
        catch (Exception e)
        {
            // No unhandled exception reaches the user: what went wrong, in one line (SEIDR_DEBUG=1 adds the stack trace).
            Console.Error.WriteLine($"error: {ErrorText.Of(e)}");
            if (Environment.GetEnvironmentVariable("SEIDR_DEBUG") is "1" or "true") Console.Error.WriteLine(e);
            return ExitCodes.RunFailed;
        }
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
