using System.CommandLine;
using Spectre.Console;

namespace Seidr.Workflows.Cli.Commands;

internal static class ActivitiesCommand
{
    public static Command Create()
    {
        var type = new Argument<string?>("type") { Description = "Show one activity type in detail (e.g. Seidr.Draft).", Arity = ArgumentArity.ZeroOrOne };
        var plugins = PluginOption.Create();
        var command = new Command("activities", "List the activity types a workflow can use, with their inputs and outcomes.") { type, plugins };
        command.SetAction(parse =>
        {
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
            if (PluginOption.Catalog(parse, plugins) is not { } catalog) return ExitCodes.InvalidInput;
            if (parse.GetValue(type) is { } name)
            {
                var d = catalog.Find(name);
                if (d is null)
                {
                    Console.Error.WriteLine($"unknown activity type '{name}'; known: {string.Join(", ", catalog.Descriptors.Select(x => x.TypeName))}");
                    return ExitCodes.InvalidInput;
                }
                AnsiConsole.MarkupLine($"[bold]{d.TypeName}[/] ({Markup.Escape(d.Category)}): {Markup.Escape(d.Description)}");
                var inputs = new Table().AddColumns("input", "type", "default", "description");
                foreach (var i in d.Inputs)
                    inputs.AddRow(i.YamlName + (i.Required ? " *" : ""), i.TypeName + (i.Options.IsEmpty ? "" : $" ({string.Join("|", i.Options)})"), Markup.Escape(i.DefaultValue?.ToJsonString() ?? ""), Markup.Escape(i.Description));
                AnsiConsole.Write(inputs);
                AnsiConsole.MarkupLine("outcomes: " + string.Join(", ", d.Outcomes.Select(o => $"[bold]{o.Name}[/]" + (o.Description.Length > 0 ? $" ({Markup.Escape(o.Description)})" : ""))));
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumns("type", "category", "outcomes", "inputs");
            foreach (var d in catalog.Descriptors.OrderBy(d => d.Category).ThenBy(d => d.TypeName))
                table.AddRow(d.TypeName, d.Category, string.Join(", ", d.Outcomes.Select(o => o.Name)), string.Join(", ", d.Inputs.Select(i => i.YamlName + (i.Required ? "*" : ""))));
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
