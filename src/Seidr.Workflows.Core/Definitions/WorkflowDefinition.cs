using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Definitions;

/// <summary>
/// One experiment: a flowchart of stage activities plus the experiment settings (dataset, models, matrix, budget).
/// The same model is spelled as Elsa 3 workflow-definition JSON or as YAML; both convert one-to-one.
/// </summary>
public sealed record WorkflowDefinition
{
    /// <summary>Elsa's <c>definitionId</c>: the stable id of the workflow across versions.</summary>
    public required string DefinitionId { get; init; }

    /// <summary>Elsa's <c>id</c>: the id of this version. Defaults to <c>{definitionId}:v{version}</c>.</summary>
    public string? VersionId { get; init; }

    public string? Name { get; init; }
    public string? Description { get; init; }
    public int Version { get; init; } = 1;

    /// <summary>The flowchart root's own id (Elsa <c>root.id</c>).</summary>
    public string RootId { get; init; } = "flowchart1";

    public ExperimentSettings Experiment { get; init; } = new();

    /// <summary>Elsa's "Usable as activity" (<c>options.usableAsActivity</c>): the workflow appears in the palette of
    /// other workflows, and a node of it runs it on the population it receives.</summary>
    public bool UsableAsActivity { get; init; }

    /// <summary>The ports of the workflow's node when used as an activity (Elsa's <c>outcomes</c>); its
    /// <c>Seidr.Complete</c> activities emit on them.</summary>
    public ImmutableArray<string> Outcomes { get; init; } = [];

    /// <summary>The inputs of the workflow's node when used as an activity (Elsa's <c>inputs</c>); its activities read
    /// them as <c>${name}</c>.</summary>
    public ImmutableArray<WorkflowInput> Inputs { get; init; } = [];

    public ImmutableArray<ActivityNode> Activities { get; init; } = [];
    public ImmutableArray<Connection> Connections { get; init; } = [];

    /// <summary>Top-level Elsa fields we do not interpret (createdAt, toolVersion, options, ...), kept verbatim for round trips.</summary>
    public JsonObject? ElsaExtras { get; init; }

    public string EffectiveVersionId => VersionId ?? $"{DefinitionId}:v{Version}";

    public ActivityNode? FindActivity(string id) => Activities.FirstOrDefault(a => a.Id == id);

    public bool Equals(WorkflowDefinition? other) =>
        other is not null && DefinitionId == other.DefinitionId && VersionId == other.VersionId && Name == other.Name &&
        Description == other.Description && Version == other.Version && RootId == other.RootId && Experiment.Equals(other.Experiment) &&
        UsableAsActivity == other.UsableAsActivity && Outcomes.SequenceEqual(other.Outcomes) && Inputs.SequenceEqual(other.Inputs) &&
        Activities.SequenceEqual(other.Activities) && Connections.SequenceEqual(other.Connections) && JsonNode.DeepEquals(ElsaExtras, other.ElsaExtras);

    public override int GetHashCode() => HashCode.Combine(DefinitionId, Version, Activities.Length, Connections.Length);
}

/// <summary>A node of the flowchart: one stage activity with its inputs.</summary>
public sealed record ActivityNode
{
    public required string Id { get; init; }

    /// <summary>Activity type name such as <c>Seidr.Draft</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Display name in the designer; defaults to the id.</summary>
    public string? Name { get; init; }
    public int TypeVersion { get; init; } = 1;

    /// <summary>Elsa's <c>nodeId</c>; null means the default <c>{definitionId}:{rootId}:{id}</c>.</summary>
    public string? NodeId { get; init; }

    public ImmutableSortedDictionary<string, InputValue> Inputs { get; init; } = ImmutableSortedDictionary<string, InputValue>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Set when the node is another workflow used as an activity; <see cref="Type"/> is then only its display type.</summary>
    public WorkflowReference? Workflow { get; init; }

    /// <summary>Designer position (Elsa <c>metadata.designer.position</c>).</summary>
    public Position? Position { get; init; }

    /// <summary>Other <c>metadata</c> and <c>customProperties</c> the designer wrote, kept verbatim.</summary>
    public JsonObject? Metadata { get; init; }
    public JsonObject? CustomProperties { get; init; }

    public string EffectiveName => Name ?? Id;

    public bool Equals(ActivityNode? other) =>
        other is not null && Id == other.Id && Type == other.Type && Name == other.Name && TypeVersion == other.TypeVersion &&
        NodeId == other.NodeId && Position == other.Position && Workflow == other.Workflow && Inputs.Count == other.Inputs.Count &&
        Inputs.All(kv => other.Inputs.TryGetValue(kv.Key, out var v) && kv.Value.Equals(v)) &&
        JsonNode.DeepEquals(Metadata, other.Metadata) && JsonNode.DeepEquals(CustomProperties, other.CustomProperties);

    public override int GetHashCode() => HashCode.Combine(Id, Type);
}

public readonly record struct Position(double X, double Y);

/// <summary>An input a workflow declares for its node when used as an activity (Elsa's <c>InputDefinition</c>).</summary>
public sealed record WorkflowInput(string Name, string? Description = null);

/// <summary>
/// The workflow a node runs (Elsa's workflow-definition activity fields). Only <see cref="DefinitionId"/> decides what
/// runs: the workflow file with that id; the version fields are Elsa's bookkeeping, kept for round trips.
/// </summary>
public sealed record WorkflowReference(string DefinitionId)
{
    public string? VersionId { get; init; }
    public int? LatestAvailablePublishedVersion { get; init; }
    public string? LatestAvailablePublishedVersionId { get; init; }

    /// <summary>The activity type name of a workflow used as an activity: its id in PascalCase (<c>repair-loop</c> -> <c>RepairLoop</c>), as Elsa pascalizes names.</summary>
    public static string TypeNameOf(string definitionId) =>
        string.Concat(definitionId.Split(['-', '_', ' ', '.'], StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}

/// <summary>A flowchart edge: when <see cref="Source"/> emits on its port, <see cref="Target"/> receives the population.</summary>
public sealed record Connection(Endpoint Source, Endpoint Target)
{
    /// <summary>Designer bend points, kept verbatim.</summary>
    public ImmutableArray<Position> Vertices { get; init; } = [];

    public bool Equals(Connection? other) => other is not null && Source == other.Source && Target == other.Target && Vertices.SequenceEqual(other.Vertices);
    public override int GetHashCode() => HashCode.Combine(Source, Target);
    public override string ToString() => $"{Source.Activity}.{Source.Port} -> {Target.Activity}" + (Target.Port == Endpoint.DefaultTargetPort ? "" : "." + Target.Port);
}

public readonly record struct Endpoint(string Activity, string Port)
{
    public const string DefaultTargetPort = "In";
    public const string DefaultSourcePort = Engine.Ports.Done;
}
