using System.CommandLine;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Cli.Commands;

internal static class ValidateCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Workflow files (.yaml, .yml, .json).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Check workflow files; prints file:line:column: message for each problem and exits 1 when any has an error.") { files };
        command.SetAction(parse =>
        {
            int errors = 0, warnings = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                var diagnostics = ExperimentRunner.Validate(file);
                foreach (var d in diagnostics)
                {
                    (d.Severity == Severity.Error ? Console.Error : Console.Out).WriteLine(d);
                    if (d.Severity == Severity.Error) errors++; else warnings++;
                }
                if (!diagnostics.Any(d => d.Severity == Severity.Error)) Console.WriteLine($"{file}: ok");
            }
            if (errors + warnings > 0) Console.Error.WriteLine($"{errors} error(s), {warnings} warning(s)");
            return errors > 0 ? ExitCodes.InvalidInput : ExitCodes.Ok;
        });
        return command;
    }
}
