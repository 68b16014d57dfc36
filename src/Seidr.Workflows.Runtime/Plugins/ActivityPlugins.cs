using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Runtime.Plugins;

/// <summary>A plugin that could not be used, and why (shown by the validator as an error, by the CLI as a line).</summary>
/// <param name="Path">The plugin as it was named (in the workflow, on the command line, or in the tool's folder).</param>
/// <param name="Message">Why it could not be used.</param>
public sealed record PluginProblem(string Path, string Message)
{
    /// <summary>The line the CLI prints: the plugin, then why.</summary>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// Activities from class libraries that are not part of seidr: a researcher's stages, built against the packed
/// Seidr.Workflows libraries. They come from a workflow's <c>experiment.plugins</c> (paths to .dll files, relative
/// to the workflow), from <c>--plugin</c> on the command line, and from the <c>plugins/</c> folder beside the seidr
/// tool. Each assembly is loaded once per process, in its own load context.
/// </summary>
public static class ActivityPlugins
{
    /// <summary>The experiment setting that lists a workflow's plugins.</summary>
    public const string Setting = "plugins";

    /// <summary>The folder beside the seidr tool whose .dll files are plugins of every workflow.</summary>
    public static string ToolDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "plugins");

    private static readonly ConcurrentDictionary<string, Lazy<(IReadOnlyList<ActivityDescriptor> Activities, string? Error)>> Loaded = new(StringComparer.Ordinal);

    /// <summary>The .dll files of a plugin folder (none when it does not exist), in name order.</summary>
    public static IReadOnlyList<string> InDirectory(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, "*.dll").Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>
    /// <paramref name="catalog"/> with the activities of each plugin that loads; each one that does not (missing,
    /// not a .NET assembly, a missing dependency, no activity, a type name already taken) is a problem instead.
    /// Relative paths are taken from <paramref name="baseDirectory"/>; a path named twice counts once.
    /// </summary>
    public static ActivityCatalog Extend(ActivityCatalog catalog, IEnumerable<string> plugins, string baseDirectory, List<PluginProblem> problems)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plugin in plugins)
        {
            var full = Path.GetFullPath(Path.Combine(baseDirectory, plugin));
            if (!seen.Add(full)) continue;
            if (!File.Exists(full))
            {
                problems.Add(new(plugin, $"plugin not found (looked for {full})"));
                continue;
            }
            var (activities, error) = Loaded.GetOrAdd(full, path => new(() => Load(path))).Value;
            if (error is not null)
            {
                problems.Add(new(plugin, error));
                continue;
            }
            if (activities.FirstOrDefault(a => catalog.Find(a.TypeName) is not null) is { } taken)
            {
                var owner = catalog.Find(taken.TypeName)!.ClrType.Assembly;
                problems.Add(new(plugin, $"activity type '{taken.TypeName}' is already defined by {owner.GetName().Name}" +
                    (string.IsNullOrEmpty(owner.Location) ? "" : $" ({owner.Location})") + "; give the plugin's activity another namespace or name"));
                continue;
            }
            catalog = catalog.With(activities);
        }
        return catalog;
    }

    /// <summary>The plugin paths a workflow lists under <c>experiment.plugins</c>, or a problem with the setting itself.</summary>
    public static IReadOnlyList<string> Of(ExperimentSettings experiment, out string? problem)
    {
        problem = null;
        if (experiment.Extras?[Setting] is not { } node) return [];
        if (node is JsonArray list && list.All(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0))
            return list.Select(n => n!.GetValue<string>()).ToArray();
        problem = "expected a list of paths to .dll files (relative to the workflow), e.g. plugins: [../stages/bin/My.Stages.dll]";
        return [];
    }

    private static (IReadOnlyList<ActivityDescriptor>, string?) Load(string path)
    {
        Assembly assembly;
        try { assembly = new PluginLoadContext(path).LoadFromAssemblyPath(path); }
        catch (BadImageFormatException) { return ([], "not a .NET assembly"); }
        catch (FileLoadException e) { return ([], $"cannot be loaded: {e.Message}"); }
        IReadOnlyList<ActivityDescriptor> activities;
        try { activities = ActivityCatalog.ActivitiesIn(assembly); }
        catch (Exception e)
        {
            // A plugin's fault (a constructor that throws, a missing dependency, a malformed activity) is reported, not thrown.
            return ([], (e is TargetInvocationException { InnerException: { } inner } ? inner : e).Message);
        }
        return activities.Count == 0
            ? ([], $"{assembly.GetName().Name} has no activity (a public class deriving from {typeof(Engine.Activity).FullName} with an [Activity] attribute)")
            : (activities, null);
    }
}
