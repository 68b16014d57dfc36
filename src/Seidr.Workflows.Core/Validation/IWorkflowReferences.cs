namespace Seidr.Workflows.Validation;

/// <summary>
/// What the validator checks names against beyond the file itself: models configured outside the workflow,
/// prompt files, datasets. The CLI supplies one built from appsettings and the prompts folder.
/// </summary>
public interface IWorkflowReferences
{
    /// <summary>A model configured outside the workflow (appsettings).</summary>
    bool ModelExists(string name);

    /// <summary>Null when the prompt exists, else why not (e.g. "no file prompts/x.yaml; known: a, b").</summary>
    string? CheckPrompt(string name);

    /// <summary>Null when the dataset can be loaded, else why not.</summary>
    string? CheckDataset(string dataset);

    /// <summary>Null when the model's settings are usable, else why not (unknown provider, missing key, ...).</summary>
    string? CheckModelSettings(string name, System.Text.Json.Nodes.JsonObject settings) => null;

    /// <summary>The workflow file with this id (a workflow used as an activity), or null when there is none.</summary>
    Serialization.LoadedWorkflow? FindWorkflow(string definitionId) => null;

    /// <summary>The ids <see cref="FindWorkflow"/> knows, for suggestions.</summary>
    IReadOnlyCollection<string> WorkflowIds => [];

    /// <summary>Where <see cref="FindWorkflow"/> looked, for "not found" messages.</summary>
    string WorkflowsSearched => "the workflow's folder";
}

/// <summary>For validating the file alone: no model is configured outside it, and every prompt and dataset is accepted.</summary>
internal sealed class PermissiveReferences : IWorkflowReferences
{
    public static PermissiveReferences Instance { get; } = new();
    public bool ModelExists(string name) => false;
    public string? CheckPrompt(string name) => null;
    public string? CheckDataset(string dataset) => null;
}
