using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Seidr.Workflows.Serialization;

/// <summary>
/// The workflow files under a folder (recursively), by id: where a workflow used as an activity is looked up. A file
/// counts when it holds a workflow (YAML with top-level <c>id</c> and <c>activities</c>, or Elsa JSON with
/// <c>definitionId</c> and <c>root</c>); model scripts, problem files and the like are passed over.
/// </summary>
public sealed partial class WorkflowLibrary
{
    private readonly Dictionary<string, LoadedWorkflow> _byId = new(StringComparer.Ordinal);

    /// <summary>Reads every workflow file under <paramref name="directory"/>; of two with the same id, the first in path order wins.</summary>
    public WorkflowLibrary(string directory)
    {
        Directory = Path.GetFullPath(directory);
        // First file in path order wins, as in the designer's list.
        foreach (var path in Files(Directory).OrderBy(p => p, StringComparer.Ordinal))
            if (TryLoad(path) is { Definition: { } def } loaded) _byId.TryAdd(def.DefinitionId, loaded);
    }

    /// <summary>The folder searched, as a full path.</summary>
    public string Directory { get; }

    /// <summary>The ids of the workflows found.</summary>
    public IReadOnlyCollection<string> Ids => _byId.Keys;

    /// <summary>The workflow file with this id, or null.</summary>
    public LoadedWorkflow? Find(string definitionId) => _byId.GetValueOrDefault(definitionId);

    /// <summary>The workflows found that could be read.</summary>
    public IEnumerable<Definitions.WorkflowDefinition> Definitions => _byId.Values.Select(l => l.Definition).OfType<Definitions.WorkflowDefinition>();

    /// <summary>The workflow files under <paramref name="dir"/>, skipping hidden folders and build output.</summary>
    public static IEnumerable<string> Files(string dir)
    {
        if (!System.IO.Directory.Exists(dir)) yield break;
        IEnumerable<string> files;
        try { files = System.IO.Directory.EnumerateFiles(dir).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".yaml" or ".yml" or ".json").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var f in files) yield return f;
        IEnumerable<string> dirs;
        try { dirs = System.IO.Directory.EnumerateDirectories(dir).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        foreach (var d in dirs)
        {
            var name = Path.GetFileName(d);
            if (name.StartsWith('.') || name is "node_modules" or "bin" or "obj") continue;
            foreach (var f in Files(d)) yield return f;
        }
    }

    /// <summary>The file read as a workflow, or null when its content is not one (or it cannot be read).</summary>
    internal static LoadedWorkflow? TryLoad(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var format = WorkflowFile.FormatOf(path);
        return LooksLikeWorkflow(text, format) ? WorkflowFile.Parse(text, path, format) : null;
    }

    /// <summary>Whether the text holds a workflow rather than another YAML or JSON file (a model script, a problem file).</summary>
    internal static bool LooksLikeWorkflow(string text, WorkflowFormat format)
    {
        if (format == WorkflowFormat.Json)
        {
            try
            {
                return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
                    is JsonObject o && o["definitionId"] is JsonValue && o["root"] is JsonObject;
            }
            catch (JsonException) { return false; }
        }
        return YamlId().IsMatch(text) && YamlActivities().IsMatch(text);
    }

    [GeneratedRegex(@"^id\s*:", RegexOptions.Multiline)]
    private static partial Regex YamlId();

    [GeneratedRegex(@"^activities\s*:", RegexOptions.Multiline)]
    private static partial Regex YamlActivities();
}
