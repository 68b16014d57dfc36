using System.CommandLine;
using Seidr.Workflows.Schema;

namespace Seidr.Workflows.Cli.Commands;

internal static class SchemaCommand
{
    public static Command Create()
    {
        var spelling = new Option<string>("--for") { Description = "yaml or json.", DefaultValueFactory = _ => "yaml" };
        spelling.AcceptOnlyFromAmong("yaml", "json");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var plugins = PluginOption.Create();
        var command = new Command("schema", "Print the JSON Schema of workflow files, generated from the activity catalog (editors use it to complete and check files).") { spelling, output, plugins };
        command.SetAction(parse =>
        {
            if (PluginOption.Catalog(parse, plugins) is not { } catalog) return ExitCodes.InvalidInput;
            var text = parse.GetValue(spelling) == "json" ? WorkflowSchema.ForJson(catalog) : WorkflowSchema.ForYaml(catalog);
            if (parse.GetValue(output) is { } path) File.WriteAllText(path, text);
            else Console.Out.Write(text);
            return ExitCodes.Ok;
        });
        return command;
    }
}
