using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Designer.Api;

/// <summary>
/// Converts between our <see cref="WorkflowDefinition"/> and the model Elsa Studio 3.8 loads and posts back
/// (LinkedWorkflowDefinitionModel; see docs/elsa-compat.md). Studio re-orders activities, posts <c>links: null</c>,
/// sends edited literals as strings and rewrites node sizes, so a posted model is merged into the file's current
/// definition: the file's order, spelling and untouched values win (experiment settings included); only real edits change it.
/// </summary>
internal static class StudioModel
{
    public const string ToolVersion = "3.8.0.0";
    private static readonly string[] StudioCustomDefaults = ["canStartWorkflow", "runAsynchronously"];
    private static readonly string[] DefinitionLists = ["variables", "inputs", "outputs", "outcomes"];

    /// <summary>Lists Studio may edit that Seidr has no equivalent for; inputs and outcomes are a workflow's node's inputs and
    /// ports, variables its experiment settings (<see cref="ExperimentVariables"/>).</summary>
    private static readonly string[] UnsupportedLists = ["outputs"];

    /// <summary>The definition as Studio expects it: links with rel publish, isLatest, nodeIds, positions, never-null collections.</summary>
    /// <param name="def">The workflow to show.</param>
    /// <param name="catalog">The activities' descriptors, which type the inputs.</param>
    /// <param name="lastWriteUtc">The file's last write, given as the creation time when the workflow has none.</param>
    /// <param name="key">The id the designer knows the file by (<see cref="WorkflowEntry.Key"/>); null is the definition id.</param>
    /// <param name="findWorkflow">Looks up a workflow used as an activity, for its version; null: version 1.</param>
    public static JsonObject ToStudio(WorkflowDefinition def, ActivityCatalog catalog, DateTime lastWriteUtc, string? key = null, Func<string, WorkflowDefinition?>? findWorkflow = null)
    {
        var o = ElsaJsonFormat.ToJson(def with { Activities = WithPositions(def) }, catalog);
        o["definitionId"] = key ?? def.DefinitionId;
        o["isLatest"] = true;
        o["isReadonly"] = false;
        o["isSystem"] = false;
        o["isPublished"] = true;
        if (o["createdAt"] is null) o["createdAt"] = new DateTimeOffset(lastWriteUtc, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
        if (o["toolVersion"] is null) o["toolVersion"] = ToolVersion;
        if (o["options"] is not JsonObject) o["options"] = new JsonObject { ["autoUpdateConsumingWorkflows"] = false };
        if (o["description"] is null) o["description"] = "";
        foreach (var list in DefinitionLists) if (o[list] is not JsonArray) o[list] = new JsonArray();
        // The experiment block on Studio's Variables tab; the copy under customProperties.seidr is not read back.
        o["variables"] = ExperimentVariables.ToVariables(def.Experiment);
        if (o["customProperties"] is not JsonObject) o["customProperties"] = new JsonObject();
        o["links"] = Links(key ?? def.DefinitionId);
        // A node of a workflow used as an activity must name the type and version of that workflow's descriptor, or
        // Studio cannot find it (its registry lookup by type and version throws).
        foreach (var a in (o["root"]?["activities"] as JsonArray ?? []).OfType<JsonObject>())
            if (Text(a["workflowDefinitionId"]) is { } wid)
            {
                a["type"] = WorkflowReference.TypeNameOf(wid);
                a["version"] = findWorkflow?.Invoke(wid)?.Version ?? 1;
            }
        return o;
    }

    public static JsonArray Links(string definitionId)
    {
        var id = Uri.EscapeDataString(definitionId);
        JsonObject Link(string href, string rel, string method) => new() { ["href"] = href, ["rel"] = rel, ["method"] = method };
        return
        [
            Link($"/workflow-definitions/by-definition-id/{id}", "self", "GET"),
            Link($"/workflow-definitions/{id}/execute", "execute", "POST"),
            Link($"/workflow-definitions/{id}/publish", "publish", "POST"),
        ];
    }

    /// <summary>Ids a YAML connection line (<c>source.Port -> target</c>) can name.</summary>
    public static bool IsReadableId(string id) =>
        id.Length > 0 && (char.IsAsciiLetter(id[0]) || id[0] == '_') && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>
    /// Studio's own ids for new activities: a random 64-bit integer in lowercase hex without leading zeros (16 digits, 15
    /// one time in 17, fewer rarely). Shorter all-hex names (a user's "fade", "be") are taken as chosen by the user.
    /// </summary>
    public static bool IsGeneratedId(string id) => id.Length is >= 12 and <= 16 && id.All(char.IsAsciiHexDigitLower);

    /// <summary>A readable id for a new activity, from its name ("Rank1" -> "rank1") or type, not in <paramref name="taken"/>.</summary>
    public static string ReadableId(string? name, string type, ISet<string> taken)
    {
        var source = !string.IsNullOrWhiteSpace(name) ? name! : type[(type.LastIndexOf('.') + 1)..];
        var chars = source.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        var baseId = Naming.ToSnakeCase(new string(chars)).Trim('_');
        if (baseId.Length == 0 || !(char.IsAsciiLetter(baseId[0]) || baseId[0] == '_')) baseId = "activity_" + baseId;
        var id = baseId;
        for (int n = 2; taken.Contains(id); n++) id = $"{baseId}_{n}";
        return id;
    }

    /// <summary>Renames activity ids in a Studio model (ids, their node ids, connection ends) by <paramref name="map"/>.</summary>
    public static void RenameIds(JsonObject model, IReadOnlyDictionary<string, string> map)
    {
        if (map.Count == 0 || model["root"] is not JsonObject root) return;
        foreach (var a in (root["activities"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Text(a["id"]) is not { } id || !map.TryGetValue(id, out var to)) continue;
            a["id"] = to;
            if (Text(a["nodeId"]) is { } nodeId && nodeId.EndsWith(":" + id, StringComparison.Ordinal)) a["nodeId"] = nodeId[..^id.Length] + to;
        }
        foreach (var c in (root["connections"] as JsonArray ?? []).OfType<JsonObject>())
            foreach (var end in new[] { "source", "target" })
                if (c[end] is JsonObject e && Text(e["activity"]) is { } id && map.TryGetValue(id, out var to)) e["activity"] = to;
    }

    /// <summary>Activities without a designer position get one from a left-to-right layering of the flowchart, so a YAML file written by hand opens tidy.</summary>
    public static ImmutableArray<ActivityNode> WithPositions(WorkflowDefinition def)
    {
        if (def.Activities.All(a => a.Position is not null)) return def.Activities;
        var ids = def.Activities.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var incoming = def.Connections.Where(c => ids.Contains(c.Source.Activity) && ids.Contains(c.Target.Activity)).ToLookup(c => c.Target.Activity, c => c.Source.Activity);
        var outgoing = def.Connections.Where(c => ids.Contains(c.Source.Activity) && ids.Contains(c.Target.Activity)).ToLookup(c => c.Source.Activity, c => c.Target.Activity);
        var layer = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new Queue<string>(def.Activities.Where(a => !incoming[a.Id].Any()).Select(a => a.Id));
        foreach (var s in queue) layer[s] = 0;
        if (queue.Count == 0 && def.Activities.Length > 0) { layer[def.Activities[0].Id] = 0; queue.Enqueue(def.Activities[0].Id); }
        while (queue.Count > 0)
        {
            var id = queue.Dequeue();
            foreach (var next in outgoing[id])
                if (!layer.ContainsKey(next)) { layer[next] = layer[id] + 1; queue.Enqueue(next); }
        }
        var rows = new Dictionary<int, int>();
        return def.Activities.Select(a =>
        {
            if (a.Position is not null) return a;
            var l = layer.TryGetValue(a.Id, out var v) ? v : layer.Values.DefaultIfEmpty(-1).Max() + 1;
            var row = rows[l] = rows.GetValueOrDefault(l, -1) + 1;
            return a with { Position = new Position(l * 280, row * 140) };
        }).ToImmutableArray();
    }

    /// <summary>
    /// Merges a model posted by Studio into <paramref name="current"/> (the file as it is now). Returns the new
    /// definition, or the reasons it cannot be represented (Studio features Seidr does not have).
    /// </summary>
    public static (WorkflowDefinition? Definition, IReadOnlyList<(string Path, string Message)> Problems) FromStudio(JsonObject model, WorkflowDefinition current, ActivityCatalog catalog,
        Func<string, WorkflowDefinition?>? findWorkflow = null)
    {
        var problems = new List<(string, string)>();
        var root = model["root"] as JsonObject;
        if (root is null) return (null, [("root", "the posted workflow has no root flowchart")]);
        if (root["type"]?.GetValue<string>() is { } rootType && rootType != ElsaJsonFormat.FlowchartType)
            problems.Add(("root", $"the root activity must be an {ElsaJsonFormat.FlowchartType}, not '{rootType}'"));

        foreach (var list in UnsupportedLists)
        {
            var postedList = model[list] as JsonArray ?? [];
            var had = current.ElsaExtras?[list] as JsonArray ?? [];
            if (!JsonNode.DeepEquals(postedList, had))
                problems.Add((list, $"workflow {list} are not supported by Seidr workflows (remove them on the Properties / Variables / Input-Output tabs)"));
        }

        // The experiment block, from the Variables tab. A model without variables (an API client's) leaves it as it is.
        var experiment = current.Experiment;
        if (model["variables"] is JsonArray variables)
        {
            var (read, experimentProblems) = ExperimentVariables.Read(variables, current.Experiment);
            problems.AddRange(experimentProblems);
            experiment = read ?? current.Experiment;
        }

        var byId = current.Activities.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var posted = new List<ActivityNode>();
        foreach (var node in (root["activities"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var a = ReadActivity(node, byId, current, catalog, findWorkflow, problems);
            if (a is null) continue;
            if (posted.Any(p => p.Id == a.Id)) { problems.Add(($"activities[{a.Id}]", $"two activities have the id '{a.Id}'")); continue; }
            posted.Add(a);
        }
        var postedIds = posted.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var activities = current.Activities.Where(a => postedIds.ContainsKey(a.Id)).Select(a => postedIds[a.Id])
            .Concat(posted.Where(a => !byId.ContainsKey(a.Id)))
            .ToImmutableArray();

        var connections = new List<Connection>();
        foreach (var c in (root["connections"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var source = c["source"] as JsonObject;
            var target = c["target"] as JsonObject;
            var sa = Text(source?["activity"]);
            var ta = Text(target?["activity"]);
            if (sa is null || ta is null) { problems.Add(("connections", "a connection needs a source and a target activity")); continue; }
            var conn = new Connection(new Endpoint(sa, Text(source?["port"]) ?? Endpoint.DefaultSourcePort), new Endpoint(ta, Text(target?["port"]) ?? Endpoint.DefaultTargetPort))
            {
                Vertices = (c["vertices"] as JsonArray ?? []).OfType<JsonObject>().Select(v => new Position(Round(Num(v["x"])), Round(Num(v["y"])))).ToImmutableArray(),
            };
            if (connections.Any(x => x.Source == conn.Source && x.Target == conn.Target)) continue;
            connections.Add(conn);
        }
        var kept = current.Connections
            .Select(old => (Old: old, New: connections.FirstOrDefault(n => n.Source == old.Source && n.Target == old.Target)))
            .Where(p => p.New is not null)
            .Select(p => SamePositions(p.Old.Vertices, p.New!.Vertices) ? p.Old : p.Old with { Vertices = p.New!.Vertices })
            .ToList();
        kept.AddRange(connections.Where(n => !current.Connections.Any(o => o.Source == n.Source && o.Target == n.Target)));

        var name = Text(model["name"])?.Trim();
        if (string.IsNullOrEmpty(name) || name == current.DefinitionId) name = null;
        var description = Text(model["description"]);
        if (string.IsNullOrEmpty(description) && string.IsNullOrEmpty(current.Description)) description = current.Description;

        // The workflow's node when used as an activity: Elsa's "Usable as activity" flag, its inputs and its outcomes.
        var usable = model["options"] is JsonObject options && options.ContainsKey("usableAsActivity")
            ? options["usableAsActivity"] is JsonValue uv && uv.TryGetValue<bool>(out var flag) && flag
            : current.UsableAsActivity;
        var inputs = (model["inputs"] as JsonArray ?? []).OfType<JsonObject>().Where(i => Text(i["name"]) is { Length: > 0 })
            .Select(i => new WorkflowInput(Text(i["name"])!, Text(i["description"]) is { Length: > 0 } d ? d : null)).ToImmutableArray();
        var outcomes = (model["outcomes"] as JsonArray ?? []).Select(Text).OfType<string>().Where(x => x.Length > 0).ToImmutableArray();

        var def = current with
        {
            Experiment = experiment,
            UsableAsActivity = usable,
            Inputs = inputs.SequenceEqual(current.Inputs) ? current.Inputs : inputs,
            Outcomes = outcomes.SequenceEqual(current.Outcomes) ? current.Outcomes : outcomes,
            Name = name,
            Description = description,
            Activities = activities,
            Connections = [.. kept],
        };
        return problems.Count > 0 ? (null, problems) : (def, problems);
    }

    private static ActivityNode? ReadActivity(JsonObject node, Dictionary<string, ActivityNode> byId, WorkflowDefinition current, ActivityCatalog catalog,
        Func<string, WorkflowDefinition?>? findWorkflow, List<(string, string)> problems)
    {
        var id = Text(node["id"]);
        var type = Text(node["type"]);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(type)) { problems.Add(("activities", "an activity needs an id and a type")); return null; }
        var path = SourceMap.Paths.Activity(id);
        byId.TryGetValue(id, out var old);

        // A workflow used as an activity: Elsa's workflowDefinitionId names it; the validator reports an unknown one.
        WorkflowReference? workflow = null;
        WorkflowDefinition? child = null;
        if (Text(node["workflowDefinitionId"]) is { Length: > 0 } wid)
        {
            child = findWorkflow?.Invoke(wid);
            if (old?.Workflow?.DefinitionId == wid) { workflow = old.Workflow; type = old.Type; }
            else workflow = new WorkflowReference(wid)
            {
                VersionId = Text(node["workflowDefinitionVersionId"]),
                LatestAvailablePublishedVersion = node["latestAvailablePublishedVersion"] is JsonValue lv && lv.TryGetValue<int>(out var latest) ? latest : null,
                LatestAvailablePublishedVersionId = Text(node["latestAvailablePublishedVersionId"]),
            };
        }
        var descriptor = workflow is null ? catalog.Find(type) : null;
        if (workflow is null && descriptor is null && old?.Type != type) { problems.Add((SourceMap.Paths.ActivityType(id), $"unknown activity type '{type}'")); return null; }

        // Inputs: those the activity type (or the workflow) declares, plus any the file already had (the validator reports unknown ones).
        var inputs = ImmutableSortedDictionary.CreateBuilder<string, InputValue>(StringComparer.Ordinal);
        var names = (descriptor?.Inputs.Select(i => i.Name) ?? child?.Inputs.Select(i => i.Name) ?? []).Concat(old?.Inputs.Keys ?? []).Distinct(StringComparer.Ordinal);
        foreach (var inputName in names)
        {
            var inputDescriptor = descriptor?.FindInput(inputName);
            var had = old is not null && old.Type == type && old.Inputs.TryGetValue(inputName, out var h) ? h : null;
            var value = ReadInput(node[inputName], inputDescriptor, had, SourceMap.Paths.Input(id, inputName), problems);
            if (value is null) continue;
            if (had is null && inputDescriptor?.DefaultValue is { } dv && InputValue.Literal(dv.DeepClone()).Equals(value)) continue;
            inputs[inputName] = had is not null && Same(had, value) ? had : value;
        }

        // Position and metadata: Studio owns metadata.designer (it rewrites size from the rendered node); the size
        // the file had is kept, any other key is a real edit (displayText, ...).
        var metadata = node["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        Position? position = old?.Position;
        if (metadata["designer"] is JsonObject designer)
        {
            if (designer["position"] is JsonObject p)
            {
                var posted = new Position(Round(Num(p["x"])), Round(Num(p["y"])));
                if (old?.Position is not { } op || Round(op.X) != posted.X || Round(op.Y) != posted.Y) position = posted;
            }
            designer.Remove("position");
            designer.Remove("size");
            if (old?.Metadata?["designer"] is JsonObject oldDesigner && oldDesigner["size"] is { } oldSize) designer["size"] = oldSize.DeepClone();
            if (designer.Count == 0) metadata.Remove("designer");
        }
        var custom = node["customProperties"]?.DeepClone() as JsonObject ?? new JsonObject();
        foreach (var key in StudioCustomDefaults)
            if (old?.CustomProperties?.ContainsKey(key) != true && custom[key] is JsonValue v && v.GetValueKind() == JsonValueKind.False)
                custom.Remove(key);

        var postedNodeId = Text(node["nodeId"]);
        var defaultNodeId = ElsaJsonFormat.DefaultNodeId(current, id);
        var nodeId = old is not null && postedNodeId == (old.NodeId ?? defaultNodeId) ? old.NodeId
            : postedNodeId is null || postedNodeId == defaultNodeId ? null : postedNodeId;
        var name = Text(node["name"]);
        if (name == id || (old is not null && old.Name is null && name == old.EffectiveName)) name = null;
        return new ActivityNode
        {
            Id = id,
            Type = type,
            Workflow = workflow,
            Name = name,
            // A workflow node's version is the used workflow's (set when served); the file keeps its own.
            TypeVersion = workflow is not null ? old?.TypeVersion ?? 1
                : node["version"] is JsonValue ver && ver.TryGetValue<int>(out var version) ? version : old?.TypeVersion ?? 1,
            NodeId = nodeId,
            Inputs = inputs.ToImmutable(),
            Position = position,
            Metadata = metadata.Count > 0 ? metadata : null,
            CustomProperties = custom.Count > 0 ? custom : null,
        };
    }

    /// <summary>
    /// One input as Studio posts it: <c>{typeName, expression:{type, value}}</c>. Values Studio edited arrive as strings
    /// ("5", "True", "[\"a\"]"); they are typed by the descriptor's type name. Empty or null means unset.
    /// </summary>
    private static InputValue? ReadInput(JsonNode? property, InputDescriptor? descriptor, InputValue? had, string path, List<(string, string)> problems)
    {
        if (property is not JsonObject input || input["expression"] is not JsonObject expression) return null;
        var type = Text(expression["type"]) is { Length: > 0 } t ? t : InputValue.LiteralType;
        var raw = expression["value"];
        var typeName = descriptor?.TypeName ?? Text(input["typeName"]);
        if (type is not (InputValue.LiteralType or InputValue.ObjectType or "Json"))
        {
            var other = new InputValue(type, raw?.DeepClone());
            if (had is not null && had.Equals(other)) return had;
            problems.Add((path, $"expression type '{type}' is not supported; give a literal value (use ${{axis}} to vary it per variant)"));
            return null;
        }
        JsonNode? value = raw switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() is var s && s.Length == 0 ? null
                : type is InputValue.ObjectType or "Json" || typeName is "Object" || typeName?.EndsWith("[]", StringComparison.Ordinal) == true
                    ? ParseJsonOr(s, typeName)
                    : InputValue.FromText(s, typeName),
            _ => raw.DeepClone(),
        };
        if (value is null) return had is not null && had.Value is JsonValue hv && hv.GetValueKind() == JsonValueKind.String && hv.GetValue<string>().Length == 0 ? had : null;
        return InputValue.Literal(value);
    }

    private static JsonNode? ParseJsonOr(string text, string? typeName)
    {
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return InputValue.FromText(text, typeName is "Object" ? "String" : typeName); }
    }

    private static bool Same(InputValue a, InputValue b)
    {
        if (a.Equals(b)) return true;
        return a.ExpressionType == b.ExpressionType && a.Value is JsonValue x && b.Value is JsonValue y
            && x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number
            && double.Parse(x.ToJsonString(), CultureInfo.InvariantCulture) == double.Parse(y.ToJsonString(), CultureInfo.InvariantCulture);
    }

    private static bool SamePositions(ImmutableArray<Position> a, ImmutableArray<Position> b) =>
        a.Length == b.Length && a.Zip(b).All(p => Round(p.First.X) == p.Second.X && Round(p.First.Y) == p.Second.Y);

    /// <summary>Designer coordinates are pixels; fractions are rendering noise, so positions are whole numbers.</summary>
    private static double Round(double v) => Math.Round(v, MidpointRounding.AwayFromZero);

    private static double Num(JsonNode? n) => n is JsonValue v && double.TryParse(v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString(),
        NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;

    private static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
