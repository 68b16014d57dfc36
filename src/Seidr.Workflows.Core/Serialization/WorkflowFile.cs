using System.Text;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;

namespace Seidr.Workflows.Serialization;

/// <summary>Reads and writes workflow files in either spelling, chosen by the file's extension (.yaml/.yml or .json).</summary>
public static class WorkflowFile
{
    /// <summary>The spelling the file's extension names.</summary>
    /// <exception cref="WorkflowException">The extension is neither .yaml, .yml nor .json.</exception>
    public static WorkflowFormat FormatOf(string path) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".yaml" or ".yml" => WorkflowFormat.Yaml,
            ".json" => WorkflowFormat.Json,
            var ext => throw new WorkflowException([new Diagnostic(path, SourceLocation.Start, "", $"unknown workflow file extension '{ext}': use .yaml, .yml or .json")]),
        };

    /// <summary>Reads and parses the file; a file that cannot be read is a diagnostic, not an exception.</summary>
    /// <exception cref="WorkflowException">The extension is neither .yaml, .yml nor .json.</exception>
    public static LoadedWorkflow Load(string path)
    {
        var format = FormatOf(path);
        string text;
        try { text = File.ReadAllText(path, Encoding.UTF8); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new LoadedWorkflow(path, format, null, SourceMap.Empty, [new Diagnostic(path, SourceLocation.Start, "", $"cannot read the file: {e.Message}")]);
        }
        return Parse(text, path, format);
    }

    /// <summary>Parses <paramref name="text"/> as a workflow in <paramref name="format"/>; <paramref name="path"/> only names it in diagnostics.</summary>
    public static LoadedWorkflow Parse(string text, string path, WorkflowFormat format) => format switch
    {
        WorkflowFormat.Yaml => YamlWorkflowFormat.Read(text, path),
        _ => ElsaJsonFormat.Read(text, path),
    };

    /// <summary>The definition's text in <paramref name="format"/>, for saving and converting.</summary>
    /// <param name="definition">The workflow to write.</param>
    /// <param name="format">YAML or Elsa JSON.</param>
    /// <param name="catalog">Types Elsa JSON inputs by their activity's descriptor (<c>typeName</c>), as <c>seidr convert</c> writes them; without it they are inferred from the values.</param>
    public static string Write(WorkflowDefinition definition, WorkflowFormat format, Catalog.ActivityCatalog? catalog = null) => format switch
    {
        WorkflowFormat.Yaml => YamlWorkflowFormat.Write(definition),
        _ => ElsaJsonFormat.Write(definition, catalog),
    };

    /// <summary>
    /// Writes the file atomically (a temp file renamed over it), so a crash never leaves half a workflow. A YAML file
    /// that is already there keeps its comments and blank lines (<see cref="YamlComments"/>).
    /// </summary>
    public static void Save(WorkflowDefinition definition, string path, Catalog.ActivityCatalog? catalog = null)
    {
        var format = FormatOf(path);
        var text = Write(definition, format, catalog);
        if (format == WorkflowFormat.Yaml && File.Exists(path)) text = YamlComments.Carry(File.ReadAllText(path, Encoding.UTF8), text);
        var temp = path + ".tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
