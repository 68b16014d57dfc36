using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Designer;

/// <summary>
/// A workflow file found in the workflows folder. <see cref="Key"/> is the definition id the designer uses: the file's
/// own id, or, when an earlier file (in path order) has the same id, <c>{id}~{relative path}</c> so both can be opened.
/// </summary>
internal sealed record WorkflowEntry(string DefinitionId, string Path, string RelativePath, string? Name, string? Description, WorkflowFormat Format, DateTime LastWriteUtc)
{
    public string Key { get; init; } = DefinitionId;
}

/// <summary>
/// The workflow files of a folder, by definition id (the file's <c>id</c> / <c>definitionId</c>). Scanned on each
/// request so files added, renamed or edited outside the designer show up at once; writes are serialised.
/// </summary>
internal sealed partial class WorkflowStore(string directory)
{
    public string Directory { get; } = System.IO.Path.GetFullPath(directory);

    /// <summary>Held while a file is read, merged and written, so two saves of one workflow never interleave.</summary>
    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    public IReadOnlyList<WorkflowEntry> List()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var result = new List<WorkflowEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // The same files the workflow-as-activity lookup reads, so the designer lists what a run can use.
        foreach (var path in WorkflowLibrary.Files(Directory).OrderBy(p => p, StringComparer.Ordinal))
        {
            var entry = TryRead(path);
            if (entry is null) continue;
            result.Add(seen.Add(entry.DefinitionId) ? entry : entry with { Key = $"{entry.DefinitionId}~{entry.RelativePath.Replace('/', '~')}" });
        }
        return result;
    }

    /// <summary>The entry whose <see cref="WorkflowEntry.Key"/> is the id the designer sent.</summary>
    public WorkflowEntry? Find(string key) => List().FirstOrDefault(e => e.Key == key);

    /// <summary>The entry when the file holds a workflow (YAML with top-level id and activities, or Elsa JSON with definitionId and root).</summary>
    private WorkflowEntry? TryRead(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        var format = WorkflowFile.FormatOf(path);
        if (format == WorkflowFormat.Json)
        {
            try
            {
                if (JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
                    is not JsonObject o || o["definitionId"] is not JsonValue || o["root"] is not JsonObject) return null;
            }
            catch (JsonException) { return null; }
        }
        else if (!YamlId().IsMatch(text) || !YamlActivities().IsMatch(text)) return null;
        var loaded = WorkflowFile.Parse(text, path, format);
        if (loaded.Definition is not { } def) return null;
        return new WorkflowEntry(def.DefinitionId, path, System.IO.Path.GetRelativePath(Directory, path).Replace('\\', '/'), def.Name, def.Description, format, File.GetLastWriteTimeUtc(path));
    }

    [GeneratedRegex(@"^id\s*:", RegexOptions.Multiline)]
    private static partial Regex YamlId();

    [GeneratedRegex(@"^activities\s*:", RegexOptions.Multiline)]
    private static partial Regex YamlActivities();
}
