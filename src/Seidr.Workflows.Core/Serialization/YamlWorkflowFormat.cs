using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using static Seidr.Workflows.Serialization.YamlNodes;

namespace Seidr.Workflows.Serialization;

/// <summary>
/// The YAML spelling of a workflow: short and hand-writable (inputs as plain values in snake_case,
/// connections as <c>draft.Done -&gt; execute</c>), converted one-to-one to and from Elsa JSON.
/// Writing is canonical: a fixed key order and only non-default fields, so a load-save cycle is a no-op.
/// </summary>
public static partial class YamlWorkflowFormat
{
    private static readonly string[] TopKeys = ["id", "version_id", "name", "description", "version", "root_id", "usable_as_activity", "inputs", "outcomes", "experiment", "activities", "connections", "elsa"];
    private static readonly string[] ExperimentKeys = ["dataset", "problems", "seed", "concurrency", "k", "models", "matrix", "budget", "run_budget", "allow_failed_samples"];
    private static readonly string[] ActivityKeys = ["id", "type", "workflow", "name", "version", "node_id", "inputs", "position", "metadata", "custom"];
    private static readonly string[] BudgetKeys = ["max_programs", "calls", "tokens", "time", "cost"];
    private static readonly string[] RunBudgetKeys = ["cost", "calls", "tokens"];

    [GeneratedRegex(@"^\s*([A-Za-z_][\w\-]*)(?:\.([A-Za-z_][\w]*))?\s*->\s*([A-Za-z_][\w\-]*)(?:\.([A-Za-z_][\w]*))?\s*$")]
    private static partial Regex ConnectionSyntax();

    /// <summary>Parses YAML text; <paramref name="path"/> only names the file in diagnostics.</summary>
    public static LoadedWorkflow Read(string text, string path)
    {
        var map = new SourceMap();
        var diags = new List<Diagnostic>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var inner = e.InnerException?.Message;
            diags.Add(new Diagnostic(path, new SourceLocation((int)e.Start.Line, (int)e.Start.Column), "", "malformed YAML: " + (inner ?? e.Message)));
            return new LoadedWorkflow(path, WorkflowFormat.Yaml, null, map, [.. diags]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet fails this way on some broken input; locate the failure at the last token it could read.
            diags.Add(new Diagnostic(path, LastReadableToken(text), "", "malformed YAML: the text cannot be parsed past this point (an unclosed bracket or quote?)"));
            return new LoadedWorkflow(path, WorkflowFormat.Yaml, null, map, [.. diags]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            diags.Add(new Diagnostic(path, SourceLocation.Start, "", "a workflow file must be a YAML mapping with id, activities and connections"));
            return new LoadedWorkflow(path, WorkflowFormat.Yaml, null, map, [.. diags]);
        }
        var reader = new Reader(path, map, diags);
        var definition = reader.ReadDefinition(root);
        return new LoadedWorkflow(path, WorkflowFormat.Yaml, definition, map, [.. diags]);
    }

    private static SourceLocation LastReadableToken(string text)
    {
        var last = SourceLocation.Start;
        try
        {
            var scanner = new Scanner(new StringReader(text));
            while (scanner.MoveNext()) last = new SourceLocation((int)scanner.Current!.Start.Line, (int)scanner.Current.Start.Column);
        }
        catch (Exception)
        {
            // The scanner stops where the text stops making sense.
        }
        return last;
    }

    private sealed class Reader(string path, SourceMap map, List<Diagnostic> diags)
    {
        private void Error(YamlNode node, string logicalPath, string message) => diags.Add(new Diagnostic(path, At(node), logicalPath, message));

        private Dictionary<string, (YamlNode Key, YamlNode Value)> Fields(YamlMappingNode node, string logicalPath, string[]? allowed)
        {
            var fields = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
            foreach (var (k, v) in node.Children)
            {
                var name = Text(k) ?? "";
                var p = logicalPath.Length == 0 ? name : $"{logicalPath}.{name}";
                if (allowed is not null && !allowed.Contains(name))
                    Error(k, p, $"unknown field '{name}'" + Suggest(name, allowed));
                else if (!fields.TryAdd(name, (k, v)))
                    Error(k, p, $"field '{name}' is given twice");
            }
            return fields;
        }

        private string? ScalarString(YamlNode node, string p)
        {
            if (node is YamlScalarNode s) return s.Value;
            Error(node, p, "expected a single value, not a list or mapping");
            return null;
        }

        private int? Int(YamlNode node, string p, int min = int.MinValue)
        {
            var s = ScalarString(node, p);
            if (s is null) return null;
            if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min) return v;
            Error(node, p, min == int.MinValue ? $"'{s}' is not a whole number" : $"'{s}' is not a whole number >= {min}");
            return null;
        }

        public WorkflowDefinition? ReadDefinition(YamlMappingNode root)
        {
            var f = Fields(root, "", TopKeys);
            foreach (var (name, (k, _)) in f) map.Add(name, At(k));
            string? id = null;
            if (f.TryGetValue("id", out var idNode)) id = ScalarString(idNode.Value, "id");
            if (string.IsNullOrWhiteSpace(id))
            {
                diags.Add(new Diagnostic(path, idNode.Value is null ? SourceLocation.Start : At(idNode.Value), "id", "the workflow needs an 'id' (Elsa's definitionId)"));
                id = Path.GetFileNameWithoutExtension(path);
            }
            var activities = f.TryGetValue("activities", out var a) ? ReadActivities(a.Value) : [];
            var connections = f.TryGetValue("connections", out var c) ? ReadConnections(c.Value) : [];
            return new WorkflowDefinition
            {
                DefinitionId = id!,
                VersionId = f.TryGetValue("version_id", out var vi) ? ScalarString(vi.Value, "version_id") : null,
                Name = f.TryGetValue("name", out var n) ? ScalarString(n.Value, "name") : null,
                Description = f.TryGetValue("description", out var d) ? ScalarString(d.Value, "description") : null,
                Version = f.TryGetValue("version", out var v) ? Int(v.Value, "version", 1) ?? 1 : 1,
                RootId = f.TryGetValue("root_id", out var r) ? ScalarString(r.Value, "root_id") ?? "flowchart1" : "flowchart1",
                Experiment = f.TryGetValue("experiment", out var e) ? ReadExperiment(e.Value) : new ExperimentSettings(),
                UsableAsActivity = f.TryGetValue("usable_as_activity", out var ua) && Bool(ua.Value, "usable_as_activity"),
                Outcomes = f.TryGetValue("outcomes", out var oc) ? ReadOutcomes(oc.Value) : [],
                Inputs = f.TryGetValue("inputs", out var wi) ? ReadWorkflowInputs(wi.Value) : [],
                Activities = activities,
                Connections = connections,
                ElsaExtras = f.TryGetValue("elsa", out var x) ? ReadElsa(x.Value) : null,
            };
        }

        /// <summary>Elsa's fields Seidr keeps verbatim, but not workflow variables (<see cref="ElsaJsonFormat.VariablesRefused"/>).</summary>
        private JsonObject? ReadElsa(YamlNode node)
        {
            if (node is YamlMappingNode m && m.Children.FirstOrDefault(kv => Text(kv.Key) == "variables").Value is YamlSequenceNode variables)
                for (int i = 0; i < variables.Children.Count; i++)
                {
                    var name = variables.Children[i] is YamlMappingNode v && v.Children.FirstOrDefault(kv => Text(kv.Key) == "name").Value is YamlScalarNode n ? n.Value : null;
                    Error(variables.Children[i], "elsa.variables", $"workflow variable {(name is null ? $"#{i + 1}" : $"'{name}'")} is not supported: " + ElsaJsonFormat.VariablesRefused);
                }
            return ToJson(node) as JsonObject;
        }

        private ImmutableArray<string> ReadOutcomes(YamlNode node)
        {
            if (node is not YamlSequenceNode seq) { Error(node, "outcomes", "expected a list of port names, e.g. [Solved, Exhausted]"); return []; }
            var result = ImmutableArray.CreateBuilder<string>();
            for (int i = 0; i < seq.Children.Count; i++)
                if (ScalarString(seq.Children[i], $"outcomes[{i}]") is { Length: > 0 } s) result.Add(s);
            return result.ToImmutable();
        }

        /// <summary>The inputs of a workflow used as an activity: <c>name: description</c> (or a list of names).</summary>
        private ImmutableArray<WorkflowInput> ReadWorkflowInputs(YamlNode node)
        {
            var result = ImmutableArray.CreateBuilder<WorkflowInput>();
            if (node is YamlSequenceNode seq)
            {
                foreach (var item in seq.Children)
                    if (ScalarString(item, "inputs") is { Length: > 0 } s) { map.Add($"inputs.{s}", At(item)); result.Add(new WorkflowInput(s)); }
            }
            else if (node is YamlMappingNode m)
            {
                foreach (var (k, v) in m.Children)
                {
                    var name = Text(k) ?? "";
                    map.Add($"inputs.{name}", At(k));
                    var description = v is YamlScalarNode { Value: { Length: > 0 } d } ? d : null;
                    if (v is not YamlScalarNode) Error(v, $"inputs.{name}", "expected the input's description");
                    result.Add(new WorkflowInput(name, description));
                }
            }
            else Error(node, "inputs", "expected a mapping: input name -> description");
            return result.ToImmutable();
        }

        private ExperimentSettings ReadExperiment(YamlNode node)
        {
            const string P = "experiment";
            if (node is not YamlMappingNode m) { Error(node, P, "expected a mapping of experiment settings"); return new(); }
            var f = Fields(m, P, null);
            var extras = new JsonObject();
            foreach (var (name, (k, v)) in f)
            {
                map.Add($"{P}.{name}", v is YamlScalarNode ? At(v) : At(k));
                if (!ExperimentKeys.Contains(name)) extras[name] = ToJson(v);
            }
            var settings = new ExperimentSettings
            {
                Dataset = f.TryGetValue("dataset", out var ds) ? ScalarString(ds.Value, $"{P}.dataset") : null,
                Problems = f.TryGetValue("problems", out var pr) ? ScalarString(pr.Value, $"{P}.problems") : null,
                Seed = f.TryGetValue("seed", out var sd) ? Int(sd.Value, $"{P}.seed") ?? 0 : 0,
                Concurrency = f.TryGetValue("concurrency", out var cc) ? Int(cc.Value, $"{P}.concurrency", 1) : null,
                K = f.TryGetValue("k", out var kk) ? ReadK(kk.Value) : [1],
                Models = f.TryGetValue("models", out var md) ? ReadModels(md.Value) : ImmutableSortedDictionary<string, JsonObject>.Empty.WithComparers(StringComparer.Ordinal),
                Matrix = f.TryGetValue("matrix", out var mx) ? ReadMatrix(mx.Value) : Matrix.Empty,
                Budget = f.TryGetValue("budget", out var b) ? ReadBudget(b.Value) : Budget.None,
                RunBudget = f.TryGetValue("run_budget", out var rb) ? ReadRunBudget(rb.Value) : RunBudget.None,
                AllowFailedSamples = f.TryGetValue("allow_failed_samples", out var af) && Bool(af.Value, $"{P}.allow_failed_samples"),
                Extras = extras.Count > 0 ? extras : null,
            };
            return settings;
        }

        private ImmutableArray<int> ReadK(YamlNode node)
        {
            var items = node is YamlSequenceNode s ? s.Children : [node];
            var ks = ImmutableArray.CreateBuilder<int>();
            foreach (var item in items) if (Int(item, "experiment.k", 1) is { } v) ks.Add(v);
            return ks.ToImmutable();
        }

        private ImmutableSortedDictionary<string, JsonObject> ReadModels(YamlNode node)
        {
            var result = ImmutableSortedDictionary.CreateBuilder<string, JsonObject>(StringComparer.Ordinal);
            if (node is not YamlMappingNode m) { Error(node, "experiment.models", "expected a mapping: model name -> settings"); return result.ToImmutable(); }
            foreach (var (k, v) in m.Children)
            {
                var name = Text(k) ?? "";
                map.Add(SourceMap.Paths.Model(name), At(k));
                if (v is YamlMappingNode vm)
                {
                    foreach (var (kk, _) in vm.Children) map.Add($"{SourceMap.Paths.Model(name)}.{Text(kk)}", At(kk));
                    result[name] = (JsonObject)ToJson(vm)!;
                }
                else Error(v, SourceMap.Paths.Model(name), "expected the model's settings as a mapping (provider, model, ...)");
            }
            return result.ToImmutable();
        }

        private Matrix ReadMatrix(YamlNode node)
        {
            const string P = "experiment.matrix";
            if (node is not YamlMappingNode m) { Error(node, P, "expected a mapping: axis -> list of values"); return Matrix.Empty; }
            var axes = ImmutableArray.CreateBuilder<MatrixAxis>();
            var exclude = ImmutableArray<ImmutableSortedDictionary<string, string>>.Empty;
            var include = ImmutableArray<ImmutableSortedDictionary<string, string>>.Empty;
            foreach (var (k, v) in m.Children)
            {
                var name = Text(k) ?? "";
                map.Add($"{P}.{name}", At(k));
                if (name is "exclude" or "include")
                {
                    var list = ReadPoints(v, $"{P}.{name}");
                    if (name == "exclude") exclude = list; else include = list;
                    continue;
                }
                if (v is not YamlSequenceNode seq) { Error(v, $"{P}.{name}", $"axis '{name}' must be a list of values"); continue; }
                var values = ImmutableArray.CreateBuilder<string>();
                for (int i = 0; i < seq.Children.Count; i++)
                {
                    map.Add($"{P}.{name}[{i}]", At(seq.Children[i]));
                    if (ScalarString(seq.Children[i], $"{P}.{name}[{i}]") is { } s) values.Add(s);
                }
                axes.Add(new MatrixAxis(name, values.ToImmutable()));
            }
            return new Matrix { Axes = axes.ToImmutable(), Exclude = exclude, Include = include };
        }

        private ImmutableArray<ImmutableSortedDictionary<string, string>> ReadPoints(YamlNode node, string p)
        {
            if (node is not YamlSequenceNode seq) { Error(node, p, "expected a list of axis -> value mappings"); return []; }
            var points = ImmutableArray.CreateBuilder<ImmutableSortedDictionary<string, string>>();
            for (int i = 0; i < seq.Children.Count; i++)
            {
                map.Add($"{p}[{i}]", At(seq.Children[i]));
                if (seq.Children[i] is not YamlMappingNode pm) { Error(seq.Children[i], $"{p}[{i}]", "expected a mapping axis -> value"); continue; }
                var point = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in pm.Children)
                {
                    map.Add($"{p}[{i}].{Text(k)}", At(k));
                    if (ScalarString(v, $"{p}[{i}].{Text(k)}") is { } s) point[Text(k) ?? ""] = s;
                }
                points.Add(point.ToImmutable());
            }
            return points.ToImmutable();
        }

        private Budget ReadBudget(YamlNode node)
        {
            const string P = "experiment.budget";
            if (node is not YamlMappingNode m) { Error(node, P, "expected a mapping (max_programs, calls, tokens, time)"); return Budget.None; }
            var f = Fields(m, P, BudgetKeys);
            foreach (var (name, (k, _)) in f) map.Add($"{P}.{name}", At(k));
            TimeSpan? time = null;
            if (f.TryGetValue("time", out var t) && ScalarString(t.Value, $"{P}.time") is { } ts)
            {
                try { time = Durations.Parse(ts); }
                catch (FormatException e) { Error(t.Value, $"{P}.time", e.Message); }
            }
            return new Budget(
                f.TryGetValue("max_programs", out var mp) ? Int(mp.Value, $"{P}.max_programs", 1) : null,
                f.TryGetValue("calls", out var c) ? Int(c.Value, $"{P}.calls", 1) : null,
                f.TryGetValue("tokens", out var tk) ? Long(tk.Value, $"{P}.tokens") : null,
                time,
                f.TryGetValue("cost", out var co) ? Money(co.Value, $"{P}.cost") : null);
        }

        private RunBudget ReadRunBudget(YamlNode node)
        {
            const string P = "experiment.run_budget";
            if (node is not YamlMappingNode m) { Error(node, P, "expected a mapping (cost, calls, tokens)"); return RunBudget.None; }
            var f = Fields(m, P, RunBudgetKeys);
            foreach (var (name, (k, _)) in f) map.Add($"{P}.{name}", At(k));
            return new RunBudget(
                f.TryGetValue("cost", out var co) ? Money(co.Value, $"{P}.cost") : null,
                f.TryGetValue("calls", out var c) ? Long(c.Value, $"{P}.calls") : null,
                f.TryGetValue("tokens", out var tk) ? Long(tk.Value, $"{P}.tokens") : null);
        }

        private long? Long(YamlNode node, string p)
        {
            if (ScalarString(node, p) is not { } text) return null;
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 1) return v;
            Error(node, p, $"'{text}' is not a whole number >= 1");
            return null;
        }

        private decimal? Money(YamlNode node, string p)
        {
            if (ScalarString(node, p) is not { } text) return null;
            if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v > 0) return v;
            Error(node, p, $"'{text}' is not an amount > 0 (in the currency of the models' prices, e.g. 2.50)");
            return null;
        }

        private bool Bool(YamlNode node, string p)
        {
            switch (ScalarString(node, p))
            {
                case null: return false;
                case "true" or "True" or "yes": return true;
                case "false" or "False" or "no": return false;
                case var text: Error(node, p, $"'{text}' is not true or false"); return false;
            }
        }

        private ImmutableArray<ActivityNode> ReadActivities(YamlNode node)
        {
            if (node is not YamlSequenceNode seq) { Error(node, "activities", "expected a list of activities"); return []; }
            var result = ImmutableArray.CreateBuilder<ActivityNode>();
            for (int i = 0; i < seq.Children.Count; i++)
            {
                var item = seq.Children[i];
                if (item is not YamlMappingNode m) { Error(item, $"activities[{i}]", "expected an activity: a mapping with id, type and inputs"); continue; }
                var f = Fields(m, $"activities[{i}]", ActivityKeys);
                var id = f.TryGetValue("id", out var idn) ? ScalarString(idn.Value, $"activities[{i}].id") : null;
                if (string.IsNullOrWhiteSpace(id)) { Error(m, $"activities[{i}]", "the activity needs an 'id'"); continue; }
                var p = SourceMap.Paths.Activity(id);
                map.Add(p, At(m));
                if (f.TryGetValue("type", out var tv)) map.Add(SourceMap.Paths.ActivityType(id), At(tv.Value));
                foreach (var (name, (k, _)) in f) map.Add($"{p}.{name}", At(k));
                var type = f.TryGetValue("type", out var tn) ? ScalarString(tn.Value, $"{p}.type") : null;
                WorkflowReference? workflow = null;
                if (f.TryGetValue("workflow", out var wf))
                {
                    // The short form of a workflow used as an activity: 'workflow: repair-loop' names the file's id.
                    map.Add($"{p}.workflow", At(wf.Value));
                    map.Add(SourceMap.Paths.ActivityType(id), At(wf.Value));
                    var wid = ScalarString(wf.Value, $"{p}.workflow");
                    if (string.IsNullOrWhiteSpace(wid)) Error(wf.Value, $"{p}.workflow", $"activity '{id}': 'workflow' must name the id of the workflow it runs");
                    else
                    {
                        workflow = new WorkflowReference(wid);
                        if (type is not null) Error(tn.Key, $"{p}.type", $"activity '{id}' gives both 'type' and 'workflow'; a workflow used as an activity needs only 'workflow'");
                        type = WorkflowReference.TypeNameOf(wid);
                    }
                }
                if (string.IsNullOrWhiteSpace(type)) { Error(m, $"{p}.type", $"activity '{id}' needs a 'type' such as Seidr.Draft (or 'workflow' naming a workflow used as an activity)"); type = ""; }

                var inputs = ImmutableSortedDictionary.CreateBuilder<string, InputValue>(StringComparer.Ordinal);
                if (f.TryGetValue("inputs", out var inn))
                {
                    if (inn.Value is YamlMappingNode im)
                    {
                        foreach (var (k, v) in im.Children)
                        {
                            var yamlName = Text(k) ?? "";
                            var name = Naming.SnakeToCamel(yamlName);
                            map.Add(SourceMap.Paths.Input(id, name), At(k));
                            var tag = v.Tag.IsEmpty ? null : v.Tag.Value.TrimStart('!');
                            var value = ToJson(v);
                            inputs[name] = tag is null ? InputValue.Literal(value) : new InputValue(tag, value);
                        }
                    }
                    else Error(inn.Value, $"{p}.inputs", "expected a mapping: input name -> value");
                }

                Position? position = null;
                if (f.TryGetValue("position", out var pos))
                {
                    if (pos.Value is YamlSequenceNode ps && ps.Children.Count == 2 && ps.Children.All(c => c is YamlScalarNode)
                        && double.TryParse(Text(ps.Children[0]), NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                        && double.TryParse(Text(ps.Children[1]), NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
                        position = new Position(x, y);
                    else Error(pos.Value, $"{p}.position", "expected [x, y]");
                }
                result.Add(new ActivityNode
                {
                    Id = id,
                    Type = type!,
                    Workflow = workflow,
                    Name = f.TryGetValue("name", out var nm) ? ScalarString(nm.Value, $"{p}.name") : null,
                    TypeVersion = f.TryGetValue("version", out var ver) ? Int(ver.Value, $"{p}.version", 1) ?? 1 : 1,
                    NodeId = f.TryGetValue("node_id", out var ni) ? ScalarString(ni.Value, $"{p}.node_id") : null,
                    Inputs = inputs.ToImmutable(),
                    Position = position,
                    Metadata = f.TryGetValue("metadata", out var md) ? ToJson(md.Value) as JsonObject : null,
                    CustomProperties = f.TryGetValue("custom", out var cp) ? ToJson(cp.Value) as JsonObject : null,
                });
            }
            return result.ToImmutable();
        }

        private ImmutableArray<Connection> ReadConnections(YamlNode node)
        {
            if (node is not YamlSequenceNode seq) { Error(node, "connections", "expected a list such as '- draft.Done -> execute'"); return []; }
            var result = ImmutableArray.CreateBuilder<Connection>();
            for (int i = 0; i < seq.Children.Count; i++)
            {
                var item = seq.Children[i];
                var p = SourceMap.Paths.Connection(result.Count);
                map.Add(p, At(item));
                string? text;
                ImmutableArray<Position> vertices = [];
                if (item is YamlMappingNode m)
                {
                    var f = Fields(m, p, ["from", "to", "vertices"]);
                    var from = f.TryGetValue("from", out var fr) ? Text(fr.Value) : null;
                    var to = f.TryGetValue("to", out var tt) ? Text(tt.Value) : null;
                    if (from is null || to is null) { Error(item, p, "a connection mapping needs 'from' and 'to'"); continue; }
                    text = $"{from} -> {to}";
                    if (f.TryGetValue("vertices", out var vs))
                    {
                        if (vs.Value is YamlSequenceNode vseq)
                            vertices = vseq.Children.OfType<YamlSequenceNode>().Where(v => v.Children.Count == 2)
                                .Select(v => new Position(double.Parse(Text(v.Children[0]) ?? "0", CultureInfo.InvariantCulture), double.Parse(Text(v.Children[1]) ?? "0", CultureInfo.InvariantCulture)))
                                .ToImmutableArray();
                        else Error(vs.Value, $"{p}.vertices", "expected a list of [x, y]");
                    }
                }
                else text = Text(item);
                var match = text is null ? null : ConnectionSyntax().Match(text);
                if (match is null || !match.Success)
                {
                    Error(item, p, $"'{text}' is not a connection; write 'source.Port -> target', e.g. 'draft.Done -> execute'");
                    continue;
                }
                map.Add(SourceMap.Paths.ConnectionSource(result.Count), At(item));
                map.Add(SourceMap.Paths.ConnectionTarget(result.Count), At(item));
                result.Add(new Connection(
                    new Endpoint(match.Groups[1].Value, match.Groups[2].Success ? match.Groups[2].Value : Endpoint.DefaultSourcePort),
                    new Endpoint(match.Groups[3].Value, match.Groups[4].Success ? match.Groups[4].Value : Endpoint.DefaultTargetPort))
                { Vertices = vertices });
            }
            return result.ToImmutable();
        }
    }

    private static string Suggest(string name, IEnumerable<string> allowed) =>
        Suggestions.DidYouMean(name, allowed, $"; expected one of {string.Join(", ", allowed)}");

    /// <summary>The definition's canonical YAML text, without comments (<see cref="WorkflowFile.Save"/> keeps a file's).</summary>
    public static string Write(WorkflowDefinition def)
    {
        var root = new YamlMappingNode();
        root.Add(Str("id"), Str(def.DefinitionId));
        if (def.VersionId is not null) root.Add(Str("version_id"), Str(def.VersionId));
        if (def.Name is not null) root.Add(Str("name"), Str(def.Name));
        if (def.Description is not null) root.Add(Str("description"), Str(def.Description));
        if (def.Version != 1) root.Add(Str("version"), Plain(def.Version.ToString(CultureInfo.InvariantCulture)));
        if (def.RootId != "flowchart1") root.Add(Str("root_id"), Str(def.RootId));
        if (def.UsableAsActivity) root.Add(Str("usable_as_activity"), Plain("true"));
        if (!def.Inputs.IsEmpty) root.Add(Str("inputs"), Mapping(def.Inputs.Select(i => (i.Name, (YamlNode)(i.Description is null ? Plain("") : Str(i.Description))))));
        if (!def.Outcomes.IsEmpty) root.Add(Str("outcomes"), Sequence(def.Outcomes.Select(o => (YamlNode)Str(o)), flow: true));
        var experiment = WriteExperiment(def.Experiment);
        if (experiment.Children.Count > 0) root.Add(Str("experiment"), experiment);
        root.Add(Str("activities"), new YamlSequenceNode(def.Activities.Select(WriteActivity)));
        root.Add(Str("connections"), new YamlSequenceNode(def.Connections.Select(WriteConnection)));
        if (def.ElsaExtras is { Count: > 0 }) root.Add(Str("elsa"), FromJson(def.ElsaExtras));

        var sb = new StringBuilder();
        using (var writer = new StringWriter(sb) { NewLine = "\n" })
        {
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        }
        var text = sb.ToString().Replace("\r\n", "\n");
        if (text.EndsWith("...\n", StringComparison.Ordinal)) text = text[..^4];
        return text.TrimEnd('\n') + "\n";
    }

    private static YamlMappingNode WriteExperiment(ExperimentSettings e)
    {
        var m = new YamlMappingNode();
        if (e.Dataset is not null) m.Add(Str("dataset"), Str(e.Dataset));
        if (e.Problems is not null) m.Add(Str("problems"), Str(e.Problems));
        if (e.Seed != 0) m.Add(Str("seed"), Plain(e.Seed.ToString(CultureInfo.InvariantCulture)));
        if (e.Concurrency is { } c) m.Add(Str("concurrency"), Plain(c.ToString(CultureInfo.InvariantCulture)));
        if (!e.K.SequenceEqual([1])) m.Add(Str("k"), Sequence(e.K.Select(k => (YamlNode)Plain(k.ToString(CultureInfo.InvariantCulture))), flow: true));
        if (e.Models.Count > 0) m.Add(Str("models"), Mapping(e.Models.Select(kv => (kv.Key, FromJson(kv.Value)))));
        if (!e.Matrix.IsEmpty || !e.Matrix.Exclude.IsEmpty)
        {
            var mx = new YamlMappingNode();
            foreach (var axis in e.Matrix.Axes) mx.Add(Str(axis.Name), Sequence(axis.Values.Select(v => (YamlNode)Str(v)), flow: true));
            if (!e.Matrix.Exclude.IsEmpty) mx.Add(Str("exclude"), new YamlSequenceNode(e.Matrix.Exclude.Select(Point)));
            if (!e.Matrix.Include.IsEmpty) mx.Add(Str("include"), new YamlSequenceNode(e.Matrix.Include.Select(Point)));
            m.Add(Str("matrix"), mx);
        }
        if (e.Budget.IsBounded)
        {
            var b = new YamlMappingNode();
            if (e.Budget.MaxPrograms is { } mp) b.Add(Str("max_programs"), Plain(mp.ToString(CultureInfo.InvariantCulture)));
            if (e.Budget.Calls is { } calls) b.Add(Str("calls"), Plain(calls.ToString(CultureInfo.InvariantCulture)));
            if (e.Budget.Tokens is { } t) b.Add(Str("tokens"), Plain(t.ToString(CultureInfo.InvariantCulture)));
            if (e.Budget.Time is { } time) b.Add(Str("time"), Str(Durations.Format(time)));
            if (e.Budget.Cost is { } cost) b.Add(Str("cost"), Plain(cost.ToString(CultureInfo.InvariantCulture)));
            m.Add(Str("budget"), b);
        }
        if (e.RunBudget.IsBounded)
        {
            var b = new YamlMappingNode();
            if (e.RunBudget.Cost is { } cost) b.Add(Str("cost"), Plain(cost.ToString(CultureInfo.InvariantCulture)));
            if (e.RunBudget.Calls is { } calls) b.Add(Str("calls"), Plain(calls.ToString(CultureInfo.InvariantCulture)));
            if (e.RunBudget.Tokens is { } t) b.Add(Str("tokens"), Plain(t.ToString(CultureInfo.InvariantCulture)));
            m.Add(Str("run_budget"), b);
        }
        if (e.AllowFailedSamples) m.Add(Str("allow_failed_samples"), Plain("true"));
        if (e.Extras is not null) foreach (var (k, v) in e.Extras) m.Add(Str(k), FromJson(v));
        return m;

        static YamlNode Point(ImmutableSortedDictionary<string, string> p)
        {
            var node = Mapping(p.Select(kv => (kv.Key, (YamlNode)Str(kv.Value))));
            node.Style = MappingStyle.Flow;
            return node;
        }
    }

    private static YamlNode WriteActivity(ActivityNode a)
    {
        var m = new YamlMappingNode();
        m.Add(Str("id"), Str(a.Id));
        if (a.Workflow is { } w) m.Add(Str("workflow"), Str(w.DefinitionId));
        else m.Add(Str("type"), Str(a.Type));
        if (a.Name is not null) m.Add(Str("name"), Str(a.Name));
        if (a.TypeVersion != 1) m.Add(Str("version"), Plain(a.TypeVersion.ToString(CultureInfo.InvariantCulture)));
        if (a.NodeId is not null) m.Add(Str("node_id"), Str(a.NodeId));
        if (a.Inputs.Count > 0)
        {
            var inputs = new YamlMappingNode();
            foreach (var (name, value) in a.Inputs)
            {
                var node = FromJson(value.Value);
                if (!value.IsLiteral) node.Tag = new YamlDotNet.Core.TagName("!" + value.ExpressionType);
                inputs.Add(Str(Naming.ToSnakeCase(name)), node);
            }
            m.Add(Str("inputs"), inputs);
        }
        if (a.Position is { } p)
            m.Add(Str("position"), Sequence([Plain(Num(p.X)), Plain(Num(p.Y))], flow: true));
        if (a.Metadata is { Count: > 0 }) m.Add(Str("metadata"), FromJson(a.Metadata));
        if (a.CustomProperties is { Count: > 0 }) m.Add(Str("custom"), FromJson(a.CustomProperties));
        return m;
    }

    private static YamlNode WriteConnection(Connection c)
    {
        var from = $"{c.Source.Activity}.{c.Source.Port}";
        var to = c.Target.Port == Endpoint.DefaultTargetPort ? c.Target.Activity : $"{c.Target.Activity}.{c.Target.Port}";
        if (c.Vertices.IsEmpty) return Str($"{from} -> {to}");
        var m = new YamlMappingNode { { Str("from"), Str(from) }, { Str("to"), Str(to) } };
        m.Add(Str("vertices"), new YamlSequenceNode(c.Vertices.Select(v => (YamlNode)Sequence([Plain(Num(v.X)), Plain(Num(v.Y))], flow: true))));
        return m;
    }

    internal static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
