using System.CommandLine;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Cli.Commands;

internal static class ConvertCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A workflow file." };
        var to = new Option<string>("--to") { Description = "The spelling to write: json (Elsa 3) or yaml.", Required = true };
        to.AcceptOnlyFromAmong("json", "yaml");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("convert", "Convert a workflow between its YAML and Elsa 3 JSON spellings (one-to-one; stable text).") { file, to, output };
        command.SetAction(parse =>
        {
            var loaded = WorkflowFile.Load(parse.GetValue(file)!);
            if (loaded.HasErrors)
            {
                foreach (var d in loaded.Diagnostics) Console.Error.WriteLine(d);
                return ExitCodes.InvalidInput;
            }
            var format = parse.GetValue(to) == "json" ? WorkflowFormat.Json : WorkflowFormat.Yaml;
            var text = format == WorkflowFormat.Json
                ? ElsaJsonFormat.Write(loaded.Definition!, Runtime.ExperimentRunner.CatalogFor(loaded, out _))
                : YamlWorkflowFormat.Write(loaded.Definition!);
            if (parse.GetValue(output) is { } path) File.WriteAllText(path, text);
            else Console.Out.Write(text);
            return ExitCodes.Ok;
        });
        return command;
    }
}
