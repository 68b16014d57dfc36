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

    /// <summary>The experiment's title, shown in reports and the designer; null shows the id.</summary>
    public string? Name { get; init; }

    /// <summary>What the experiment is for, in the author's words.</summary>
    public string? Description { get; init; }

    /// <summary>Elsa's version number of the definition.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The flowchart root's own id (Elsa <c>root.id</c>).</summary>
    public string RootId { get; init; } = "flowchart1";

    /// <summary>What the flowchart runs on and under which variants and limits.</summary>
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

    /// <summary>The flowchart's nodes, in file order (which decides the start when every node has an incoming connection).</summary>
    public ImmutableArray<ActivityNode> Activities { get; init; } = [];

    /// <summary>The flowchart's edges, in file order (which decides the order populations merge in at a join).</summary>
    public ImmutableArray<Connection> Connections { get; init; } = [];

    /// <summary>Top-level Elsa fields we do not interpret (createdAt, toolVersion, options, ...), kept verbatim for round trips.</summary>
    public JsonObject? ElsaExtras { get; init; }

    /// <summary><see cref="VersionId"/>, or <c>{definitionId}:v{version}</c> when the file gives none.</summary>
    public string EffectiveVersionId => VersionId ?? $"{DefinitionId}:v{Version}";

    /// <summary>The node with this id, or null.</summary>
    public ActivityNode? FindActivity(string id) => Activities.FirstOrDefault(a => a.Id == id);

    /// <summary>Equal when every field is, JSON kept verbatim compared by value: a load-save round trip gives an equal definition.</summary>
    public bool Equals(WorkflowDefinition? other) =>
        other is not null && DefinitionId == other.DefinitionId && VersionId == other.VersionId && Name == other.Name &&
        Description == other.Description && Version == other.Version && RootId == other.RootId && Experiment.Equals(other.Experiment) &&
        UsableAsActivity == other.UsableAsActivity && Outcomes.SequenceEqual(other.Outcomes) && Inputs.SequenceEqual(other.Inputs) &&
        Activities.SequenceEqual(other.Activities) && Connections.SequenceEqual(other.Connections) && JsonNode.DeepEquals(ElsaExtras, other.ElsaExtras);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(DefinitionId, Version, Activities.Length, Connections.Length);
}

/// <summary>A node of the flowchart: one stage activity with its inputs.</summary>
public sealed record ActivityNode
{
    /// <summary>The node's id, unique in the workflow: what connections, diagnostics and candidate ids name it by.</summary>
    public required string Id { get; init; }

    /// <summary>Activity type name such as <c>Seidr.Draft</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Display name in the designer; defaults to the id.</summary>
    public string? Name { get; init; }

    /// <summary>The activity type's version the node was made with (Elsa's <c>version</c>).</summary>
    public int TypeVersion { get; init; } = 1;

    /// <summary>Elsa's <c>nodeId</c>; null means the default <c>{definitionId}:{rootId}:{id}</c>.</summary>
    public string? NodeId { get; init; }

    /// <summary>The values the node gives its activity's inputs, by camelCase input name; an input left out keeps its default.</summary>
    public ImmutableSortedDictionary<string, InputValue> Inputs { get; init; } = ImmutableSortedDictionary<string, InputValue>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Set when the node is another workflow used as an activity; <see cref="Type"/> is then only its display type.</summary>
    public WorkflowReference? Workflow { get; init; }

    /// <summary>Designer position (Elsa <c>metadata.designer.position</c>).</summary>
    public Position? Position { get; init; }

    /// <summary>Other <c>metadata</c> and <c>customProperties</c> the designer wrote, kept verbatim.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>Elsa's <c>customProperties</c> of the node, kept verbatim.</summary>
    public JsonObject? CustomProperties { get; init; }

    /// <summary><see cref="Name"/>, or the id when there is none.</summary>
    public string EffectiveName => Name ?? Id;

    /// <summary>Equal when every field is, JSON kept verbatim compared by value.</summary>
    public bool Equals(ActivityNode? other) =>
        other is not null && Id == other.Id && Type == other.Type && Name == other.Name && TypeVersion == other.TypeVersion &&
        NodeId == other.NodeId && Position == other.Position && Workflow == other.Workflow && Inputs.Count == other.Inputs.Count &&
        Inputs.All(kv => other.Inputs.TryGetValue(kv.Key, out var v) && kv.Value.Equals(v)) &&
        JsonNode.DeepEquals(Metadata, other.Metadata) && JsonNode.DeepEquals(CustomProperties, other.CustomProperties);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Type);
}

/// <summary>A point on the designer's canvas.</summary>
/// <param name="X">Horizontal, in canvas pixels.</param>
/// <param name="Y">Vertical, in canvas pixels.</param>
public readonly record struct Position(double X, double Y);

/// <summary>An input a workflow declares for its node when used as an activity (Elsa's <c>InputDefinition</c>).</summary>
/// <param name="Name">What the workflow's activities refer to as <c>${name}</c> and the calling node sets.</param>
/// <param name="Description">What the input is for, shown in the designer.</param>
public sealed record WorkflowInput(string Name, string? Description = null);

/// <summary>
/// The workflow a node runs (Elsa's workflow-definition activity fields). Only <see cref="DefinitionId"/> decides what
/// runs: the workflow file with that id; the version fields are Elsa's bookkeeping, kept for round trips.
/// </summary>
/// <param name="DefinitionId">The id of the workflow the node runs.</param>
public sealed record WorkflowReference(string DefinitionId)
{
    /// <summary>Elsa's <c>workflowDefinitionVersionId</c>, kept for round trips.</summary>
    public string? VersionId { get; init; }

    /// <summary>Elsa's <c>latestAvailablePublishedVersion</c>, kept for round trips.</summary>
    public int? LatestAvailablePublishedVersion { get; init; }

    /// <summary>Elsa's <c>latestAvailablePublishedVersionId</c>, kept for round trips.</summary>
    public string? LatestAvailablePublishedVersionId { get; init; }

    /// <summary>The activity type name of a workflow used as an activity: its id in PascalCase (<c>repair-loop</c> -> <c>RepairLoop</c>), as Elsa pascalizes names.</summary>
    public static string TypeNameOf(string definitionId) =>
        string.Concat(definitionId.Split(['-', '_', ' ', '.'], StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}

/// <summary>A flowchart edge: when <see cref="Source"/> emits on its port, <see cref="Target"/> receives the population.</summary>
/// <param name="Source">The activity and outcome port it leaves from.</param>
/// <param name="Target">The activity it reaches, on its one input port.</param>
public sealed record Connection(Endpoint Source, Endpoint Target)
{
    /// <summary>Designer bend points, kept verbatim.</summary>
    public ImmutableArray<Position> Vertices { get; init; } = [];

    /// <summary>Equal when the endpoints and the bend points, in order, are.</summary>
    public bool Equals(Connection? other) => other is not null && Source == other.Source && Target == other.Target && Vertices.SequenceEqual(other.Vertices);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Source, Target);

    /// <summary>The YAML spelling, <c>draft.Done -> execute</c>, as diagnostics quote the connection.</summary>
    public override string ToString() => $"{Source.Activity}.{Source.Port} -> {Target.Activity}" + (Target.Port == Endpoint.DefaultTargetPort ? "" : "." + Target.Port);
}

/// <summary>One end of a <see cref="Connection"/>.</summary>
/// <param name="Activity">The node's id.</param>
/// <param name="Port">An outcome port at the source; at the target, <see cref="DefaultTargetPort"/>.</param>
public readonly record struct Endpoint(string Activity, string Port)
{
    /// <summary>The one input port every activity has (Elsa's <c>In</c>).</summary>
    public const string DefaultTargetPort = "In";

    /// <summary>The port a connection leaves from when the file names none.</summary>
    public const string DefaultSourcePort = Engine.Ports.Done;
}
