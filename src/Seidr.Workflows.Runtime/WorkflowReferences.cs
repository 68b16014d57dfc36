using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Models;
using Seidr.Workflows.Models.Prompts;
using Seidr.Workflows.Validation;

namespace Seidr.Workflows.Runtime;

/// <summary>Checks a workflow's names against the project: models in appsettings, prompt files, datasets, model settings.</summary>
internal sealed class WorkflowReferences(ProjectLayout layout, string workflowDirectory) : IWorkflowReferences
{
    private readonly Lazy<PromptLibrary?> _prompts = new(() => Directory.Exists(layout.PromptsDirectory) ? PromptLibrary.Load(layout.PromptsDirectory) : null);
    private readonly DatasetCatalog _datasets = new(layout.DataDirectory);
    private readonly Lazy<Serialization.WorkflowLibrary> _workflows = new(() => new Serialization.WorkflowLibrary(workflowDirectory));

    /// <summary>Workflows used as activities are looked up among the workflow files of the workflow's folder, recursively.</summary>
    public Serialization.LoadedWorkflow? FindWorkflow(string definitionId) => _workflows.Value.Find(definitionId);
    public IReadOnlyCollection<string> WorkflowIds => _workflows.Value.Ids;
    public string WorkflowsSearched => _workflows.Value.Directory;

    public bool ModelExists(string name) => layout.Configuration.GetSection($"Seidr:Models:{name}").Exists();

    public string? CheckPrompt(string name)
    {
        var library = _prompts.Value;
        if (library is null) return $"no prompts folder at {layout.PromptsDirectory}";
        if (library.Contains(name)) return null;
        var known = library.Names.ToList();
        return $"no prompt '{name}' under {layout.PromptsDirectory}" + Suggestions.DidYouMean(name, known, $" (known: {string.Join(", ", known)})");
    }

    public string? CheckDataset(string dataset) => _datasets.Check(dataset, workflowDirectory);

    public string? CheckModelSettings(string name, JsonObject settings)
    {
        try
        {
            var plain = new Dictionary<string, IReadOnlyDictionary<string, object?>> { [name] = ToPlain(settings) };
            using var models = ModelLayer.Create(layout.Configuration, plain, new ModelLayerOptions { BaseDirectory = workflowDirectory, ConfigurationDirectory = layout.Root, CacheMode = Models.Cache.CacheMode.Off, ExportTelemetry = false });
            var problems = models.Validate(name).Where(p => !p.Contains("API key", StringComparison.Ordinal)).ToList();
            return problems.Count == 0 ? null : string.Join("; ", problems);
        }
        catch (ModelConfigurationException e)
        {
            return e.Message;
        }
    }

    /// <summary>JSON settings as plain values (strings, numbers, booleans, lists, maps) for the model layer.</summary>
    public static IReadOnlyDictionary<string, object?> ToPlain(JsonObject o) =>
        o.ToDictionary(kv => kv.Key, kv => Plain(kv.Value), StringComparer.Ordinal);

    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => ToPlain(o),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v => v.ToString(),
        _ => node.ToJsonString(),
    };
}
