using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Composition;

/// <summary>
/// Runs workflows used as activities by inlining them: each such node becomes the activities of the workflow it names
/// (ids prefixed <c>node/</c>, inputs bound), the population that reaches the node goes to that workflow's starting
/// activities, and each of its <c>Seidr.Complete</c> activities is replaced by the caller's connections from the node's
/// port of that outcome. The engine then runs one flat flowchart, so joins, loops and budgets work as everywhere else,
/// and the caller's experiment (dataset, models, budget, matrix) applies inside.
/// </summary>
public static class WorkflowComposer
{
    /// <summary>Between a workflow node's id and the ids of the activities inlined for it (<c>repair/explain</c>).</summary>
    internal const char Separator = '/';

    /// <summary>The type name of <see cref="Engine.Complete"/>.</summary>
    internal const string CompleteType = "Seidr.Complete";

    /// <summary>The definition with every workflow node inlined, recursively. <paramref name="find"/> gives a workflow by id.</summary>
    /// <exception cref="WorkflowCompositionException">A reference is unknown or a workflow uses itself.</exception>
    public static WorkflowDefinition Expand(WorkflowDefinition definition, Func<string, WorkflowDefinition?> find) =>
        Expand(definition, find, [definition.DefinitionId]);

    /// <summary>The outcome a <c>Seidr.Complete</c> activity completes on ("" when it names none).</summary>
    internal static string OutcomeOf(ActivityNode complete) =>
        complete.Inputs.TryGetValue("outcome", out var o) ? o.AsText() ?? "" : "";

    private static WorkflowDefinition Expand(WorkflowDefinition def, Func<string, WorkflowDefinition?> find, ImmutableList<string> chain)
    {
        if (def.Activities.All(a => a.Workflow is null)) return def;
        var activities = new List<ActivityNode>();
        var inner = new List<Connection>();
        var starts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var exits = new Dictionary<string, List<(Endpoint From, string Outcome)>>(StringComparer.Ordinal);
        foreach (var node in def.Activities)
        {
            if (node.Workflow is not { } reference) { activities.Add(node); continue; }
            if (chain.Contains(reference.DefinitionId))
                throw new WorkflowCompositionException($"activity '{node.Id}' uses workflow '{reference.DefinitionId}', which uses itself ({string.Join(" -> ", chain.Add(reference.DefinitionId))})");
            var child = find(reference.DefinitionId)
                ?? throw new WorkflowCompositionException($"activity '{node.Id}' uses workflow '{reference.DefinitionId}', which is not found");
            child = Expand(child, find, chain.Add(reference.DefinitionId));
            var prefix = node.Id + Separator;
            var completes = child.Activities.Where(c => c.Type == CompleteType).ToDictionary(c => c.Id, OutcomeOf, StringComparer.Ordinal);
            var body = child.Activities.Where(c => !completes.ContainsKey(c.Id)).ToImmutableArray();
            foreach (var c in body)
                activities.Add(c with { Id = prefix + c.Id, NodeId = null, Inputs = Bind(c.Inputs, node, child) });
            var bodyConnections = child.Connections.Where(c => !completes.ContainsKey(c.Target.Activity) && !completes.ContainsKey(c.Source.Activity)).ToImmutableArray();
            starts[node.Id] = new FlowGraph(child with { Activities = body, Connections = bodyConnections }).Starts.Select(s => prefix + s).ToList();
            exits[node.Id] = child.Connections.Where(c => completes.ContainsKey(c.Target.Activity) && !completes.ContainsKey(c.Source.Activity))
                .Select(c => (new Endpoint(prefix + c.Source.Activity, c.Source.Port), completes[c.Target.Activity])).ToList();
            inner.AddRange(bodyConnections.Select(c => c with
            {
                Source = c.Source with { Activity = prefix + c.Source.Activity },
                Target = c.Target with { Activity = prefix + c.Target.Activity },
            }));
        }

        var connections = new List<Connection>();
        foreach (var c in def.Connections)
        {
            IEnumerable<Endpoint> sources = exits.TryGetValue(c.Source.Activity, out var ex)
                ? ex.Where(e => e.Outcome == c.Source.Port).Select(e => e.From)
                : [c.Source];
            IEnumerable<string> targets = starts.TryGetValue(c.Target.Activity, out var st) ? st : [c.Target.Activity];
            foreach (var s in sources)
                foreach (var t in targets)
                    connections.Add(new Connection(s, new Endpoint(t, Endpoint.DefaultTargetPort)) { Vertices = c.Vertices });
        }
        connections.AddRange(inner);
        return def with { Activities = [.. activities], Connections = [.. connections] };
    }

    /// <summary>The child's inputs with <c>${input}</c> replaced by the node's value for that input; references the node
    /// does not set are left for the caller's matrix axes.</summary>
    private static ImmutableSortedDictionary<string, InputValue> Bind(ImmutableSortedDictionary<string, InputValue> inputs, ActivityNode node, WorkflowDefinition child)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var input in child.Inputs)
            if (node.Inputs.TryGetValue(input.Name, out var v) || node.Inputs.TryGetValue(Naming.SnakeToCamel(input.Name), out v))
                values[input.Name] = v.Value;
        if (values.Count == 0) return inputs;
        return inputs.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value with { Value = Substitute(kv.Value.Value, values) }, StringComparer.Ordinal);
    }

    private static JsonNode? Substitute(JsonNode? value, Dictionary<string, JsonNode?> values) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => SubstituteString(v.GetValue<string>(), values),
        JsonArray a => new JsonArray(a.Select(x => Substitute(x, values)).ToArray()),
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Substitute(kv.Value, values)))),
        _ => value?.DeepClone(),
    };

    private static JsonNode? SubstituteString(string s, Dictionary<string, JsonNode?> values)
    {
        var whole = InputBinder.AxisReference().Match(s);
        // A string that is exactly one reference takes the node's value as it is (a number stays a number).
        if (whole.Success && whole.Length == s.Length && values.TryGetValue(whole.Groups[1].Value, out var exact)) return exact?.DeepClone();
        return JsonValue.Create(InputBinder.AxisReference().Replace(s, m =>
            values.TryGetValue(m.Groups[1].Value, out var v) ? v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>() : v?.ToJsonString() ?? "" : m.Value));
    }
}

/// <summary>A workflow used as an activity that cannot be inlined: an unknown id, or a workflow that uses itself.</summary>
public sealed class WorkflowCompositionException(string message) : Exception(message);
