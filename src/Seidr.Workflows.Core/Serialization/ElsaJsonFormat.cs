using System.Collections.Immutable;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Serialization;

/// <summary>
/// Elsa 3's workflow definition JSON (WorkflowDefinitionModel: camelCase, root <c>Elsa.Flowchart</c> with
/// <c>activities</c> and <c>connections</c>; inputs as <c>{typeName, expression:{type, value}, memoryReference}</c>).
/// See docs/elsa-compat.md for the format as Elsa 3.8 and its Studio read and write it.
/// Experiment settings live under the definition's <c>customProperties.seidr</c>.
/// </summary>
public static class ElsaJsonFormat
{
    /// <summary>The key under the definition's <c>customProperties</c> that holds the experiment settings.</summary>
    internal const string ExperimentProperty = "seidr";

    /// <summary>The root activity's type: Seidr workflows are one flowchart.</summary>
    public const string FlowchartType = "Elsa.Flowchart";

    /// <summary>Top-level fields we write ourselves; anything else read from a file is kept verbatim in <see cref="WorkflowDefinition.ElsaExtras"/>.</summary>
    private static readonly JsonObject Defaults = new()
    {
        ["variables"] = new JsonArray(),
        ["inputs"] = new JsonArray(),
        ["outputs"] = new JsonArray(),
        ["outcomes"] = new JsonArray(),
        ["isReadonly"] = false,
        ["isSystem"] = false,
        ["isLatest"] = true,
        ["isPublished"] = true,
    };

    private static readonly HashSet<string> OwnTopFields = ["id", "definitionId", "name", "description", "version", "customProperties", "root", .. Defaults.Select(kv => kv.Key)];
    /// <summary>Elsa's own fields of a workflow-definition activity (a workflow used as an activity); never inputs.</summary>
    internal static readonly string[] WorkflowActivityFields = ["workflowDefinitionId", "workflowDefinitionVersionId", "latestAvailablePublishedVersion", "latestAvailablePublishedVersionId"];

    // Declared after WorkflowActivityFields: static fields initialise in order.
    private static readonly HashSet<string> OwnActivityFields = ["id", "nodeId", "name", "type", "version", "customProperties", "metadata", .. WorkflowActivityFields];
    private static readonly HashSet<string> OwnRootFields = ["id", "nodeId", "name", "type", "version", "customProperties", "metadata", "activities", "connections"];

    /// <summary>Why a workflow's own (Elsa) variables are refused, and what to do instead; shared by both readers.</summary>
    internal const string VariablesRefused = "Seidr workflows have no variables (activity inputs are literal values, varied per variant with ${axis}); " +
        "the workflow's settings are its experiment (customProperties.seidr in Elsa JSON, experiment: in YAML), which the designer shows on " +
        "the Variables tab. Remove it from 'variables', or move its value into the experiment";

    /// <summary>How files are written: indented by two spaces, non-ASCII text kept as it is.</summary>
    internal static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The definition as Elsa JSON text, ending in a newline (see <see cref="WorkflowFile.Write"/> for <paramref name="catalog"/>).</summary>
    public static string Write(WorkflowDefinition def, ActivityCatalog? catalog = null) =>
        ToJson(def, catalog).ToJsonString(WriteOptions).Replace("\r\n", "\n") + "\n";

    /// <summary>The definition as an Elsa JSON object, for a caller that adds to it before writing (the designer's API).</summary>
    public static JsonObject ToJson(WorkflowDefinition def, ActivityCatalog? catalog = null)
    {
        var o = new JsonObject
        {
            ["id"] = def.EffectiveVersionId,
            ["definitionId"] = def.DefinitionId,
            ["name"] = def.Name ?? def.DefinitionId,
        };
        if (def.Description is not null) o["description"] = def.Description;
        o["version"] = def.Version;
        foreach (var (k, v) in Defaults) o[k] = v?.DeepClone();
        var custom = new JsonObject();
        if (def.ElsaExtras?["customProperties"] is JsonObject customExtras) foreach (var (k, v) in customExtras) custom[k] = v?.DeepClone();
        custom[ExperimentProperty] = ExperimentToJson(def.Experiment);
        o["customProperties"] = custom;
        if (def.ElsaExtras is not null) foreach (var (k, v) in def.ElsaExtras.Where(kv => kv.Key != "customProperties")) o[k] = v?.DeepClone();
        o["inputs"] = new JsonArray(def.Inputs.Select(i => (JsonNode)new JsonObject
        {
            ["type"] = "String", ["name"] = i.Name, ["displayName"] = i.Name, ["description"] = i.Description ?? "",
            ["category"] = "", ["isArray"] = false, ["uiHint"] = "singleline", ["storageDriverType"] = null,
        }).ToArray());
        o["outcomes"] = new JsonArray(def.Outcomes.Select(x => (JsonNode)x).ToArray());
        if (def.UsableAsActivity)
        {
            var options = o["options"] as JsonObject ?? new JsonObject();
            options["usableAsActivity"] = true;
            o["options"] = options;
        }
        o["root"] = new JsonObject
        {
            ["id"] = def.RootId,
            ["nodeId"] = $"{def.DefinitionId}:{def.RootId}",
            ["name"] = "Flowchart",
            ["type"] = FlowchartType,
            ["version"] = 1,
            ["customProperties"] = new JsonObject(),
            ["metadata"] = new JsonObject(),
            ["activities"] = new JsonArray(def.Activities.Select(a => (JsonNode)ActivityToJson(def, a, catalog)).ToArray()),
            ["connections"] = new JsonArray(def.Connections.Select(c => (JsonNode)new JsonObject
            {
                ["source"] = new JsonObject { ["activity"] = c.Source.Activity, ["port"] = c.Source.Port },
                ["target"] = new JsonObject { ["activity"] = c.Target.Activity, ["port"] = c.Target.Port },
                ["vertices"] = new JsonArray(c.Vertices.Select(v => (JsonNode)new JsonObject { ["x"] = v.X, ["y"] = v.Y }).ToArray()),
            }).ToArray()),
        };
        return o;
    }

    /// <summary>The <c>nodeId</c> Elsa gives an activity of the root flowchart: <c>{definitionId}:{rootId}:{activityId}</c>.</summary>
    public static string DefaultNodeId(WorkflowDefinition def, string activityId) => $"{def.DefinitionId}:{def.RootId}:{activityId}";

    private static JsonObject ActivityToJson(WorkflowDefinition def, ActivityNode a, ActivityCatalog? catalog)
    {
        var o = new JsonObject
        {
            ["id"] = a.Id,
            ["nodeId"] = a.NodeId ?? DefaultNodeId(def, a.Id),
            ["name"] = a.Name ?? a.Id,
            ["type"] = a.Workflow is { } wr && a.Type.Length == 0 ? WorkflowReference.TypeNameOf(wr.DefinitionId) : a.Type,
            ["version"] = a.TypeVersion,
            ["customProperties"] = a.CustomProperties?.DeepClone() ?? new JsonObject(),
        };
        if (a.Workflow is { } w)
        {
            // All four are written: Elsa takes an activity for a workflow-definition activity only when none is null.
            var versionId = w.VersionId ?? $"{w.DefinitionId}:v{a.TypeVersion}";
            o["workflowDefinitionId"] = w.DefinitionId;
            o["workflowDefinitionVersionId"] = versionId;
            o["latestAvailablePublishedVersion"] = w.LatestAvailablePublishedVersion ?? a.TypeVersion;
            o["latestAvailablePublishedVersionId"] = w.LatestAvailablePublishedVersionId ?? versionId;
        }
        var metadata = a.Metadata?.DeepClone().AsObject() ?? new JsonObject();
        if (a.Position is { } p)
        {
            var designer = metadata["designer"] as JsonObject ?? new JsonObject();
            metadata.Remove("designer");
            var rest = designer.Where(kv => kv.Key != "position").Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())).ToList();
            var merged = new JsonObject { ["position"] = new JsonObject { ["x"] = p.X, ["y"] = p.Y } };
            foreach (var (k, v) in rest) merged[k] = v;
            var withDesigner = new JsonObject { ["designer"] = merged };
            foreach (var (k, v) in metadata.ToList()) { metadata.Remove(k); withDesigner[k] = v; }
            metadata = withDesigner;
        }
        o["metadata"] = metadata;
        var descriptor = catalog?.Find(a.Type);
        foreach (var (name, value) in a.Inputs)
        {
            var typeName = descriptor?.FindInput(name)?.TypeName ?? InferTypeName(value.Value);
            // Literals keep their JSON type (3, false, "text"), as Elsa 3.8 writes them; objects and lists are
            // an Object expression whose value is the JSON text, as Elsa Studio expects.
            JsonNode? text = value.Value switch
            {
                null => null,
                JsonValue v => v.DeepClone(),
                _ => JsonValue.Create(value.Value.ToJsonString()),
            };
            o[name] = new JsonObject
            {
                ["typeName"] = typeName,
                ["expression"] = new JsonObject { ["type"] = value.ExpressionType, ["value"] = text },
                ["memoryReference"] = new JsonObject { ["id"] = $"{a.Id}:input-{name}" },
            };
        }
        return o;
    }

    private static string InferTypeName(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString().Contains('.') || v.ToJsonString().Contains('e') ? "Double" : "Int32",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "Boolean",
        JsonArray a when a.All(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String) => "String[]",
        JsonObject or JsonArray => "Object",
        _ => "String",
    };

    private static JsonObject ExperimentToJson(ExperimentSettings e)
    {
        var o = new JsonObject();
        if (e.Dataset is not null) o["dataset"] = e.Dataset;
        if (e.Problems is not null) o["problems"] = e.Problems;
        if (e.Seed != 0) o["seed"] = e.Seed;
        if (e.Concurrency is { } c) o["concurrency"] = c;
        if (!e.K.SequenceEqual([1])) o["k"] = new JsonArray(e.K.Select(k => (JsonNode)k).ToArray());
        if (e.Models.Count > 0) o["models"] = new JsonObject(e.Models.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value.DeepClone())));
        if (!e.Matrix.IsEmpty || !e.Matrix.Exclude.IsEmpty)
        {
            var m = new JsonObject();
            foreach (var axis in e.Matrix.Axes) m[axis.Name] = new JsonArray(axis.Values.Select(v => (JsonNode)v).ToArray());
            if (!e.Matrix.Exclude.IsEmpty) m["exclude"] = Points(e.Matrix.Exclude);
            if (!e.Matrix.Include.IsEmpty) m["include"] = Points(e.Matrix.Include);
            o["matrix"] = m;
        }
        if (e.Budget.IsBounded)
        {
            var b = new JsonObject();
            if (e.Budget.MaxPrograms is { } mp) b["maxPrograms"] = mp;
            if (e.Budget.Calls is { } calls) b["calls"] = calls;
            if (e.Budget.Tokens is { } t) b["tokens"] = t;
            if (e.Budget.Time is { } time) b["time"] = Durations.Format(time);
            if (e.Budget.Cost is { } cost) b["cost"] = cost;
            o["budget"] = b;
        }
        if (e.RunBudget.IsBounded)
        {
            var b = new JsonObject();
            if (e.RunBudget.Cost is { } cost) b["cost"] = cost;
            if (e.RunBudget.Calls is { } calls) b["calls"] = calls;
            if (e.RunBudget.Tokens is { } t) b["tokens"] = t;
            o["runBudget"] = b;
        }
        if (e.AllowFailedSamples) o["allowFailedSamples"] = true;
        if (e.Extras is not null) foreach (var (k, v) in e.Extras) o[k] = v?.DeepClone();
        return o;

        static JsonArray Points(ImmutableArray<ImmutableSortedDictionary<string, string>> points) =>
            new(points.Select(p => (JsonNode)new JsonObject(p.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)))).ToArray());
    }

    /// <summary>Parses Elsa JSON text; <paramref name="path"/> only names the file in diagnostics.</summary>
    public static LoadedWorkflow Read(string text, string path)
    {
        var map = new SourceMap();
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            var loc = new SourceLocation((int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1);
            var message = e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0];
            return new LoadedWorkflow(path, WorkflowFormat.Json, null, map, [new Diagnostic(path, loc, "", "malformed JSON: " + message)]);
        }
        var locations = JsonLocations.Scan(text);
        var reader = new Reader(path, map, locations);
        var def = node is JsonObject o ? reader.ReadDefinition(o) : null;
        if (def is null) reader.Error("", "", "a workflow file must be a JSON object (an Elsa 3 workflow definition)");
        return new LoadedWorkflow(path, WorkflowFormat.Json, def, map, [.. reader.Diagnostics]);
    }

    private sealed class Reader(string path, SourceMap map, Dictionary<string, SourceLocation> locations)
    {
        public List<Diagnostic> Diagnostics { get; } = [];

        private SourceLocation Loc(string jsonPath)
        {
            var p = jsonPath;
            while (true)
            {
                if (locations.TryGetValue(p, out var l)) return l;
                var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
                if (cut <= 0) return SourceLocation.Start;
                p = p[..cut];
            }
        }

        public void Error(string jsonPath, string logicalPath, string message) => Diagnostics.Add(new Diagnostic(path, Loc(jsonPath), logicalPath, message));

        private void Map(string logical, string jsonPath) => map.Add(logical, Loc(jsonPath));

        private string? Str(JsonObject o, string name, string jsonPath, string logical)
        {
            if (!o.TryGetPropertyValue(name, out var v) || v is null) return null;
            if (v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String) return jv.GetValue<string>();
            Error($"{jsonPath}.{name}", logical, $"'{name}' must be a string");
            return null;
        }

        private int Int(JsonObject o, string name, string jsonPath, string logical, int fallback)
        {
            if (!o.TryGetPropertyValue(name, out var v) || v is null) return fallback;
            if (v is JsonValue jv && jv.TryGetValue<int>(out var i)) return i;
            Error($"{jsonPath}.{name}", logical, $"'{name}' must be a whole number");
            return fallback;
        }

        public WorkflowDefinition? ReadDefinition(JsonObject o)
        {
            foreach (var (k, _) in o) Map(k, k);
            var definitionId = Str(o, "definitionId", "", "id");
            if (string.IsNullOrWhiteSpace(definitionId)) { Error("", "id", "the workflow needs a 'definitionId'"); definitionId = Path.GetFileNameWithoutExtension(path); }
            var version = Int(o, "version", "", "version", 1);
            var versionId = Str(o, "id", "", "version_id");
            var extras = new JsonObject();
            var usable = false;
            foreach (var (k, v) in o)
            {
                if (k is "inputs" or "outcomes") continue;
                if (k == "variables" && v is JsonArray { Count: > 0 } variables) { RefuseVariables(variables); continue; }
                if (k == "options" && v is JsonObject options && options.ContainsKey("usableAsActivity"))
                {
                    // Elsa's "Usable as activity" flag is ours; the other options are kept verbatim.
                    usable = options["usableAsActivity"] is JsonValue uv && uv.TryGetValue<bool>(out var flag) && flag;
                    var rest = options.DeepClone().AsObject();
                    rest.Remove("usableAsActivity");
                    if (rest.Count > 0) extras[k] = rest;
                    continue;
                }
                if (!OwnTopFields.Contains(k)) extras[k] = v?.DeepClone();
                else if (Defaults.ContainsKey(k) && !JsonNode.DeepEquals(Defaults[k], v)) extras[k] = v?.DeepClone();
            }
            var outcomes = ImmutableArray.CreateBuilder<string>();
            if (o["outcomes"] is JsonArray oa)
                for (int i = 0; i < oa.Count; i++)
                    if (oa[i] is JsonValue ov && ov.GetValueKind() == JsonValueKind.String) outcomes.Add(ov.GetValue<string>());
                    else Error($"outcomes[{i}]", "outcomes", "an outcome must be a string (a port name such as Solved)");
            var inputs = ImmutableArray.CreateBuilder<WorkflowInput>();
            if (o["inputs"] is JsonArray ia)
                for (int i = 0; i < ia.Count; i++)
                {
                    if (ia[i] is JsonObject io && Str(io, "name", $"inputs[{i}]", "inputs") is { Length: > 0 } inputName)
                    {
                        Map($"inputs.{inputName}", $"inputs[{i}]");
                        inputs.Add(new WorkflowInput(inputName, Str(io, "description", $"inputs[{i}]", "inputs") is { Length: > 0 } d ? d : null));
                    }
                    else Error($"inputs[{i}]", "inputs", "a workflow input needs a 'name'");
                }
            var custom = o["customProperties"] as JsonObject;
            ExperimentSettings experiment = new();
            if (custom is not null)
            {
                var customExtras = new JsonObject();
                foreach (var (k, v) in custom)
                {
                    if (k == ExperimentProperty && v is JsonObject e) experiment = ReadExperiment(e);
                    else customExtras[k] = v?.DeepClone();
                }
                if (customExtras.Count > 0) extras["customProperties"] = customExtras;
            }
            var root = o["root"] as JsonObject;
            if (root is null) { Error("root", "activities", "the workflow has no 'root' flowchart"); root = new JsonObject(); }
            var rootType = Str(root, "type", "root", "root.type");
            if (rootType is not null && rootType != FlowchartType)
                Error("root.type", "root.type", $"the root activity must be an {FlowchartType}, not '{rootType}'");
            var rootId = Str(root, "id", "root", "root_id") ?? "flowchart1";
            var def = new WorkflowDefinition
            {
                DefinitionId = definitionId!,
                VersionId = versionId == $"{definitionId}:v{version}" ? null : versionId,
                Name = Str(o, "name", "", "name") is { } n && n != definitionId ? n : null,
                Description = Str(o, "description", "", "description"),
                Version = version,
                RootId = rootId,
                Experiment = experiment,
                UsableAsActivity = usable,
                Outcomes = outcomes.ToImmutable(),
                Inputs = inputs.ToImmutable(),
                ElsaExtras = extras.Count > 0 ? extras : null,
            };
            return def with
            {
                Activities = ReadActivities(def, root),
                Connections = ReadConnections(root),
            };
        }

        /// <summary>
        /// An export's own workflow variables are refused, each with its location: nothing in a Seidr workflow reads them
        /// (inputs are literals; the validator refuses Variable expressions), so keeping them would carry state that
        /// silently does nothing. The experiment block is what the designer shows as variables.
        /// </summary>
        private void RefuseVariables(JsonArray variables)
        {
            for (int i = 0; i < variables.Count; i++)
            {
                var name = variables[i] is JsonObject v && v["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null;
                Map($"variables.{name ?? i.ToString(CultureInfo.InvariantCulture)}", $"variables[{i}]");
                Error($"variables[{i}]", "variables", $"workflow variable {(name is null ? $"#{i + 1}" : $"'{name}'")} is not supported: " + VariablesRefused);
            }
        }

        private ImmutableArray<ActivityNode> ReadActivities(WorkflowDefinition def, JsonObject root)
        {
            if (root["activities"] is not JsonArray arr) return [];
            var result = ImmutableArray.CreateBuilder<ActivityNode>();
            for (int i = 0; i < arr.Count; i++)
            {
                var jp = $"root.activities[{i}]";
                if (arr[i] is not JsonObject a) { Error(jp, $"activities[{i}]", "expected an activity object"); continue; }
                var id = Str(a, "id", jp, $"activities[{i}].id");
                if (string.IsNullOrWhiteSpace(id)) { Error(jp, $"activities[{i}]", "the activity needs an 'id'"); continue; }
                var lp = SourceMap.Paths.Activity(id);
                Map(lp, jp);
                Map(SourceMap.Paths.ActivityType(id), $"{jp}.type");
                var type = Str(a, "type", jp, $"{lp}.type");
                if (string.IsNullOrWhiteSpace(type)) { Error(jp, $"{lp}.type", $"activity '{id}' needs a 'type'"); type = ""; }

                var inputs = ImmutableSortedDictionary.CreateBuilder<string, InputValue>(StringComparer.Ordinal);
                foreach (var (k, v) in a)
                {
                    if (OwnActivityFields.Contains(k)) continue;
                    var ip = SourceMap.Paths.Input(id, k);
                    Map(ip, $"{jp}.{k}");
                    if (v is JsonObject input && input["expression"] is JsonObject expr)
                    {
                        var exprType = Str(expr, "type", $"{jp}.{k}.expression", ip) ?? InputValue.LiteralType;
                        var typeName = Str(input, "typeName", $"{jp}.{k}", ip);
                        var raw = expr["value"];
                        JsonNode? value = raw is JsonValue rv && rv.GetValueKind() == JsonValueKind.String
                            ? (exprType == InputValue.ObjectType ? ParseObject(rv.GetValue<string>(), $"{jp}.{k}.expression.value", ip) : InputValue.FromText(rv.GetValue<string>(), typeName))
                            : raw?.DeepClone();
                        inputs[k] = new InputValue(exprType, value);
                    }
                    else if (v is JsonObject { Count: > 0 } noExpr && noExpr.ContainsKey("typeName"))
                    {
                        // An input with no expression (the designer's empty value): keep nothing.
                    }
                    else if (v is not null && !(v is JsonObject { Count: 0 }))
                    {
                        Error($"{jp}.{k}", ip, $"'{k}' is not an Elsa input (expected {{typeName, expression: {{type, value}}}})");
                    }
                }
                var metadata = a["metadata"]?.DeepClone() as JsonObject;
                Position? position = null;
                if (metadata?["designer"] is JsonObject designer && designer["position"] is JsonObject pos)
                {
                    position = new Position(pos["x"]?.GetValue<double>() ?? 0, pos["y"]?.GetValue<double>() ?? 0);
                    designer.Remove("position");
                    if (designer.Count == 0) metadata.Remove("designer");
                }
                var nodeId = Str(a, "nodeId", jp, $"{lp}.node_id");
                var name = Str(a, "name", jp, $"{lp}.name");
                var custom = a["customProperties"]?.DeepClone() as JsonObject;
                WorkflowReference? workflow = null;
                if (a.ContainsKey("workflowDefinitionId"))
                {
                    Map($"{lp}.workflow", $"{jp}.workflowDefinitionId");
                    var wid = Str(a, "workflowDefinitionId", jp, $"{lp}.workflow");
                    if (string.IsNullOrWhiteSpace(wid)) Error($"{jp}.workflowDefinitionId", $"{lp}.workflow", $"activity '{id}': 'workflowDefinitionId' must name the workflow it runs");
                    else workflow = new WorkflowReference(wid)
                    {
                        VersionId = Str(a, "workflowDefinitionVersionId", jp, $"{lp}.workflow"),
                        LatestAvailablePublishedVersion = a["latestAvailablePublishedVersion"] is JsonValue lv && lv.TryGetValue<int>(out var latest) ? latest : null,
                        LatestAvailablePublishedVersionId = Str(a, "latestAvailablePublishedVersionId", jp, $"{lp}.workflow"),
                    };
                }
                result.Add(new ActivityNode
                {
                    Workflow = workflow,
                    Id = id,
                    Type = type!,
                    Name = name == id ? null : name,
                    TypeVersion = Int(a, "version", jp, $"{lp}.version", 1),
                    NodeId = nodeId is null || nodeId == DefaultNodeId(def, id) ? null : nodeId,
                    Inputs = inputs.ToImmutable(),
                    Position = position,
                    Metadata = metadata is { Count: > 0 } ? metadata : null,
                    CustomProperties = custom is { Count: > 0 } ? custom : null,
                });
            }
            return result.ToImmutable();
        }

        private JsonNode? ParseObject(string text, string jsonPath, string logical)
        {
            try { return JsonNode.Parse(text); }
            catch (JsonException e) { Error(jsonPath, logical, $"the Object expression is not valid JSON: {e.Message.Split(" Path:")[0]}"); return JsonValue.Create(text); }
        }

        private ImmutableArray<Connection> ReadConnections(JsonObject root)
        {
            if (root["connections"] is not JsonArray arr) return [];
            var result = ImmutableArray.CreateBuilder<Connection>();
            for (int i = 0; i < arr.Count; i++)
            {
                var jp = $"root.connections[{i}]";
                var lp = SourceMap.Paths.Connection(result.Count);
                Map(lp, jp);
                Map(SourceMap.Paths.ConnectionSource(result.Count), $"{jp}.source");
                Map(SourceMap.Paths.ConnectionTarget(result.Count), $"{jp}.target");
                if (arr[i] is not JsonObject c || c["source"] is not JsonObject s || c["target"] is not JsonObject t)
                {
                    Error(jp, lp, "a connection needs 'source' and 'target', each {activity, port}");
                    continue;
                }
                var sa = Str(s, "activity", $"{jp}.source", lp);
                var ta = Str(t, "activity", $"{jp}.target", lp);
                if (sa is null || ta is null) { Error(jp, lp, "a connection's source and target need an 'activity'"); continue; }
                var vertices = (c["vertices"] as JsonArray)?.OfType<JsonObject>()
                    .Select(v => new Position(v["x"]?.GetValue<double>() ?? 0, v["y"]?.GetValue<double>() ?? 0)).ToImmutableArray() ?? [];
                result.Add(new Connection(
                    new Endpoint(sa, Str(s, "port", $"{jp}.source", lp) ?? Endpoint.DefaultSourcePort),
                    new Endpoint(ta, Str(t, "port", $"{jp}.target", lp) ?? Endpoint.DefaultTargetPort))
                { Vertices = vertices });
            }
            return result.ToImmutable();
        }

        private ExperimentSettings ReadExperiment(JsonObject e)
        {
            const string J = "customProperties.seidr";
            foreach (var (k, _) in e) Map($"experiment.{Naming.ToSnakeCase(k)}", $"{J}.{k}");
            var known = new HashSet<string> { "dataset", "problems", "seed", "concurrency", "k", "models", "matrix", "budget", "runBudget", "allowFailedSamples" };
            var extras = new JsonObject();
            foreach (var (k, v) in e) if (!known.Contains(k)) extras[k] = v?.DeepClone();

            var models = ImmutableSortedDictionary.CreateBuilder<string, JsonObject>(StringComparer.Ordinal);
            if (e["models"] is JsonObject mo)
                foreach (var (name, settings) in mo)
                {
                    Map(SourceMap.Paths.Model(name), $"{J}.models.{name}");
                    if (settings is JsonObject so) models[name] = so.DeepClone().AsObject();
                    else Error($"{J}.models.{name}", SourceMap.Paths.Model(name), $"model '{name}' needs its settings as an object");
                }

            var matrix = Matrix.Empty;
            if (e["matrix"] is JsonObject mx)
            {
                var axes = ImmutableArray.CreateBuilder<MatrixAxis>();
                ImmutableArray<ImmutableSortedDictionary<string, string>> Points(JsonNode? n, string which) =>
                    (n as JsonArray)?.OfType<JsonObject>().Select(p => p.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "", StringComparer.Ordinal)).ToImmutableArray() ?? [];
                foreach (var (name, values) in mx)
                {
                    Map(SourceMap.Paths.Axis(name), $"{J}.matrix.{name}");
                    if (name is "exclude" or "include") continue;
                    if (values is JsonArray va) axes.Add(new MatrixAxis(name, va.Select(v => v?.ToString() ?? "").ToImmutableArray()));
                    else Error($"{J}.matrix.{name}", SourceMap.Paths.Axis(name), $"axis '{name}' must be a list of values");
                }
                matrix = new Matrix { Axes = axes.ToImmutable(), Exclude = Points(mx["exclude"], "exclude"), Include = Points(mx["include"], "include") };
            }

            var budget = Budget.None;
            if (e["budget"] is JsonObject b)
            {
                foreach (var (k, _) in b) Map($"experiment.budget.{Naming.ToSnakeCase(k)}", $"{J}.budget.{k}");
                TimeSpan? time = null;
                if (b["time"] is JsonValue tv)
                {
                    try { time = Durations.Parse(tv.ToString()); }
                    catch (FormatException ex) { Error($"{J}.budget.time", "experiment.budget.time", ex.Message); }
                }
                budget = new Budget((int?)Positive(b, "maxPrograms", $"{J}.budget", "experiment.budget.max_programs", int.MaxValue),
                    (int?)Positive(b, "calls", $"{J}.budget", "experiment.budget.calls", int.MaxValue),
                    Positive(b, "tokens", $"{J}.budget", "experiment.budget.tokens"),
                    time,
                    Money(b, "cost", $"{J}.budget", "experiment.budget.cost"));
            }

            var runBudget = RunBudget.None;
            if (e["runBudget"] is JsonObject rb)
            {
                foreach (var (k, _) in rb) Map($"experiment.run_budget.{Naming.ToSnakeCase(k)}", $"{J}.runBudget.{k}");
                foreach (var (k, _) in rb.Where(kv => kv.Key is not ("cost" or "calls" or "tokens")))
                    Error($"{J}.runBudget.{k}", $"experiment.run_budget.{k}", $"'{k}' is not a run budget limit (cost, calls, tokens)");
                runBudget = new RunBudget(Money(rb, "cost", $"{J}.runBudget", "experiment.run_budget.cost"),
                    Positive(rb, "calls", $"{J}.runBudget", "experiment.run_budget.calls"),
                    Positive(rb, "tokens", $"{J}.runBudget", "experiment.run_budget.tokens"));
            }
            bool allowFailed = false;
            if (e["allowFailedSamples"] is { } af)
            {
                if (af is JsonValue afv && afv.TryGetValue<bool>(out var flag)) allowFailed = flag;
                else Error($"{J}.allowFailedSamples", "experiment.allow_failed_samples", "'allowFailedSamples' must be true or false");
            }

            var seed = Int(e, "seed", J, "experiment.seed", 0);
            var concurrency = (int?)Positive(e, "concurrency", J, "experiment.concurrency", int.MaxValue);
            var ks = (e["k"] as JsonArray)?.Select(x => x is JsonValue xv && xv.TryGetValue<int>(out var kv) ? kv : 1).ToImmutableArray() ?? [1];
            return new ExperimentSettings
            {
                Dataset = Str(e, "dataset", J, "experiment.dataset"),
                Problems = e["problems"]?.ToString(),
                Seed = seed,
                Concurrency = concurrency,
                K = ks,
                Models = models.ToImmutable(),
                Matrix = matrix,
                Budget = budget,
                RunBudget = runBudget,
                AllowFailedSamples = allowFailed,
                Extras = extras.Count > 0 ? extras : null,
            };
        }

        /// <summary>A limit that must be a whole number >= 1, as the YAML reader requires; null when absent, an error (not silently no limit) otherwise.</summary>
        private long? Positive(JsonObject o, string name, string jsonPath, string logical, long max = long.MaxValue)
        {
            if (!o.TryGetPropertyValue(name, out var v) || v is null) return null;
            if (v is JsonValue jv && jv.TryGetValue<long>(out var l) && l >= 1 && l <= max) return l;
            Error($"{jsonPath}.{name}", logical, $"'{name}' must be a whole number >= 1, not {v.ToJsonString()}");
            return null;
        }

        private decimal? Money(JsonObject o, string name, string jsonPath, string logical)
        {
            if (!o.TryGetPropertyValue(name, out var v) || v is null) return null;
            if (v is JsonValue jv && jv.TryGetValue<decimal>(out var d) && d > 0) return d;
            Error($"{jsonPath}.{name}", logical, $"'{name}' must be an amount > 0 (in the currency of the models' prices)");
            return null;
        }
    }
}
