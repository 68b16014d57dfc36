using System.CommandLine;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Runtime;
using Seidr.Workflows.Runtime.Plugins;

namespace Seidr.Workflows.Cli.Commands;

/// <summary><c>--plugin</c>: class libraries whose activities a command shows besides seidr's own and the tool folder's.</summary>
internal static class PluginOption
{
    public static Option<string[]> Create() => new("--plugin")
    {
        Description = "A class library (.dll) of activities to include, as a workflow's experiment.plugins would (repeatable).",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>The catalog with the plugins; a plugin that cannot be used is a line on stderr and null is returned.</summary>
    public static ActivityCatalog? Catalog(ParseResult parse, Option<string[]> option)
    {
        var problems = new List<PluginProblem>();
        var catalog = ExperimentRunner.CatalogWith(parse.GetValue(option) ?? [], problems);
        foreach (var p in problems) Console.Error.WriteLine($"error: plugin {p}");
        return problems.Count == 0 ? catalog : null;
    }
}
