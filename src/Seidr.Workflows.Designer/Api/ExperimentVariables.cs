using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Designer.Api;

/// <summary>
/// The experiment block as workflow variables, the list Elsa Studio edits on its Variables tab (name, type, default
/// value), so the whole experiment is editable without a custom Studio build (docs/designer.md, "The experiment").
/// A variable's name is the setting's YAML path under <c>experiment:</c> (<c>budget.max_programs</c>,
/// <c>matrix.drafts</c>, <c>models.coder</c>); its value is text, as Studio's dialog edits it. A posted list is read back
/// setting by setting: a value that reads as the one in the file keeps the file's own value (its spelling, scale and
/// type), so only what was edited changes.
/// </summary>
internal static class ExperimentVariables
{
    /// <summary>Every variable is served with this storage driver, the one <c>/descriptors/storage-drivers</c> lists, so Studio's dialog does not change it.</summary>
    public const string StorageDriver = "Seidr.Workflows.Memory";

    private const string MatrixPrefix = "matrix.";
    private const string ModelsPrefix = "models.";

    /// <summary>The settings shown even when unset (an empty value), so a researcher sees what can be set: name and Elsa type.</summary>
    private static readonly (string Name, string Type)[] Scalars =
    [
        ("dataset", "String"), ("problems", "String"), ("seed", "Int32"), ("concurrency", "Int32"), ("k", "Int32"),
        ("budget.max_programs", "Int32"), ("budget.calls", "Int32"), ("budget.tokens", "Int64"), ("budget.time", "String"), ("budget.cost", "Decimal"),
        ("run_budget.cost", "Decimal"), ("run_budget.calls", "Int64"), ("run_budget.tokens", "Int64"),
        ("allow_failed_samples", "Boolean"),
    ];

    /// <summary>The Elsa variable types the experiment uses (served by <c>/descriptors/variables</c>, or Studio's dialog would retype them).</summary>
    public static readonly string[] Types = ["String", "Object", "Int32", "Int64", "Decimal", "Boolean"];

    /// <summary>The variables of <paramref name="e"/>: the scalar settings, then matrix axes, exclude/include, models, and settings Seidr keeps verbatim.</summary>
    public static JsonArray ToVariables(ExperimentSettings e)
    {
        var list = new JsonArray();
        void Add(string name, string type, string? value, bool isArray = false) => list.Add(new JsonObject
        {
            ["id"] = name,
            ["name"] = name,
            ["typeName"] = type,
            ["isArray"] = isArray,
            ["value"] = value,
            ["storageDriverTypeName"] = StorageDriver,
        });
        static string? N(long? v) => v?.ToString(CultureInfo.InvariantCulture);
        static string? D(decimal? v) => v?.ToString(CultureInfo.InvariantCulture);
        Add("dataset", "String", e.Dataset);
        Add("problems", "String", e.Problems);
        Add("seed", "Int32", N(e.Seed));
        Add("concurrency", "Int32", N(e.Concurrency));
        Add("k", "Int32", ListText(e.K.Select(k => k.ToString(CultureInfo.InvariantCulture)), quote: false), isArray: true);
        Add("budget.max_programs", "Int32", N(e.Budget.MaxPrograms));
        Add("budget.calls", "Int32", N(e.Budget.Calls));
        Add("budget.tokens", "Int64", N(e.Budget.Tokens));
        Add("budget.time", "String", e.Budget.Time is { } t ? Durations.Format(t) : null);
        Add("budget.cost", "Decimal", D(e.Budget.Cost));
        Add("run_budget.cost", "Decimal", D(e.RunBudget.Cost));
        Add("run_budget.calls", "Int64", N(e.RunBudget.Calls));
        Add("run_budget.tokens", "Int64", N(e.RunBudget.Tokens));
        Add("allow_failed_samples", "Boolean", e.AllowFailedSamples ? "true" : "false");
        foreach (var axis in e.Matrix.Axes) Add(MatrixPrefix + axis.Name, "String", ListText(axis.Values, quote: true), isArray: true);
        if (!e.Matrix.Exclude.IsEmpty) Add(MatrixPrefix + "exclude", "Object", PointsJson(e.Matrix.Exclude).ToJsonString());
        if (!e.Matrix.Include.IsEmpty) Add(MatrixPrefix + "include", "Object", PointsJson(e.Matrix.Include).ToJsonString());
        foreach (var (name, settings) in e.Models) Add(ModelsPrefix + name, "Object", settings.ToJsonString());
        foreach (var (name, value) in e.Extras ?? []) Add(name, "Object", value?.ToJsonString());
        return list;
    }

    /// <summary>
    /// Reads the variables Studio posted into <paramref name="current"/>. A setting whose variable was deleted is unset
    /// (an axis, a model, a budget limit); a name that is no setting is refused. Problems are (logical path, message),
    /// located by the caller in the file as it is.
    /// </summary>
    public static (ExperimentSettings? Experiment, IReadOnlyList<(string Path, string Message)> Problems) Read(JsonArray variables, ExperimentSettings current)
    {
        var problems = new List<(string, string)>();
        var posted = new Dictionary<string, string?>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var v in variables.OfType<JsonObject>())
        {
            var name = (v["name"] is JsonValue nv && nv.TryGetValue<string>(out var s) ? s : "").Trim();
            if (name.Length == 0) { problems.Add(("experiment", "a variable needs a name: an experiment setting such as budget.max_programs")); continue; }
            if (!posted.TryAdd(name, Text(v["value"]))) { problems.Add((PathOf(name), $"variable {name} is given twice")); continue; }
            order.Add(name);
        }
        var reader = new Reader(posted, problems);

        // Scalars: each one read, and kept as the file has it when it reads the same.
        var dataset = reader.String("dataset", current.Dataset);
        var problemsSel = reader.String("problems", current.Problems);
        var seed = reader.Int("seed", current.Seed, int.MinValue) ?? 0;
        var concurrency = reader.Int("concurrency", current.Concurrency, 1);
        var k = reader.IntList("k", current.K);
        var budget = new Budget(
            reader.Int("budget.max_programs", current.Budget.MaxPrograms, 1),
            reader.Int("budget.calls", current.Budget.Calls, 1),
            reader.Long("budget.tokens", current.Budget.Tokens),
            reader.Time("budget.time", current.Budget.Time),
            reader.Money("budget.cost", current.Budget.Cost));
        var runBudget = new RunBudget(
            reader.Money("run_budget.cost", current.RunBudget.Cost),
            reader.Long("run_budget.calls", current.RunBudget.Calls),
            reader.Long("run_budget.tokens", current.RunBudget.Tokens));
        var allowFailed = reader.Bool("allow_failed_samples", current.AllowFailedSamples);

        // Matrix axes: the file's order for those still there, new ones after them in the order Studio lists them.
        var axes = new List<MatrixAxis>();
        var axisNames = order.Where(n => n.StartsWith(MatrixPrefix, StringComparison.Ordinal) && n is not (MatrixPrefix + "exclude" or MatrixPrefix + "include"))
            .Select(n => n[MatrixPrefix.Length..]).ToList();
        foreach (var name in current.Matrix.Axes.Select(a => a.Name).Where(axisNames.Contains).Concat(axisNames.Where(n => !current.Matrix.Axes.Any(a => a.Name == n))))
        {
            if (name.Length == 0) { problems.Add(("experiment.matrix", "variable matrix. needs an axis name after the dot (matrix.drafts)")); continue; }
            var old = current.Matrix.Axes.FirstOrDefault(a => a.Name == name);
            if (reader.StringList(MatrixPrefix + name) is not { } values) continue;
            axes.Add(old is not null && old.Values.SequenceEqual(values) ? old : new MatrixAxis(name, values));
        }
        var matrix = new Matrix
        {
            Axes = axes.SequenceEqual(current.Matrix.Axes) ? current.Matrix.Axes : [.. axes],
            Exclude = reader.Points(MatrixPrefix + "exclude", current.Matrix.Exclude),
            Include = reader.Points(MatrixPrefix + "include", current.Matrix.Include),
        };

        // Models: one variable each, its settings as a JSON object.
        var models = ImmutableSortedDictionary.CreateBuilder<string, JsonObject>(StringComparer.Ordinal);
        foreach (var n in order.Where(n => n.StartsWith(ModelsPrefix, StringComparison.Ordinal)))
        {
            var name = n[ModelsPrefix.Length..];
            if (name.Length == 0) { problems.Add(("experiment.models", "variable models. needs a model name after the dot (models.coder)")); continue; }
            if (reader.Json(n, SourceMap.Paths.Model(name), current.Models.GetValueOrDefault(name)) is { } settings)
            {
                if (settings is JsonObject o) models[name] = o;
                else problems.Add((SourceMap.Paths.Model(name), $"variable {n}: the model's settings must be a JSON object such as {{\"provider\": \"openai\", \"model\": \"gpt-4o-mini\"}}"));
            }
        }

        // Settings Seidr keeps verbatim (plugins, ...): their JSON value; any other name is no setting.
        var extras = new JsonObject();
        foreach (var n in order.Where(n => !IsKnown(n)))
        {
            if (current.Extras?.ContainsKey(n) != true)
            {
                problems.Add(("experiment", $"variable {n} is not an experiment setting; the Variables tab holds {string.Join(", ", Scalars.Select(s => s.Name))}, " +
                    "matrix.<axis>, matrix.exclude, matrix.include and models.<name> (docs/designer.md)"));
                continue;
            }
            if (reader.Json(n, $"experiment.{n}", current.Extras[n]) is { } value) extras[n] = value.Parent is null ? value : value.DeepClone();
        }

        if (problems.Count > 0) return (null, problems);
        var experiment = current with
        {
            Dataset = dataset,
            Problems = problemsSel,
            Seed = seed,
            Concurrency = concurrency,
            K = k.SequenceEqual(current.K) ? current.K : k,
            Budget = budget == current.Budget ? current.Budget : budget,
            RunBudget = runBudget == current.RunBudget ? current.RunBudget : runBudget,
            AllowFailedSamples = allowFailed,
            Matrix = matrix.Equals(current.Matrix) ? current.Matrix : matrix,
            Models = SameModels(models, current.Models) ? current.Models : models.ToImmutable(),
            Extras = JsonNode.DeepEquals(extras.Count > 0 ? extras : null, current.Extras) ? current.Extras : extras.Count > 0 ? extras : null,
        };
        return (experiment, problems);
    }

    private static bool IsKnown(string name) =>
        Scalars.Any(s => s.Name == name) || name.StartsWith(MatrixPrefix, StringComparison.Ordinal) || name.StartsWith(ModelsPrefix, StringComparison.Ordinal);

    private static bool SameModels(ImmutableSortedDictionary<string, JsonObject>.Builder a, ImmutableSortedDictionary<string, JsonObject> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var o) && ReferenceEquals(o, kv.Value));

    /// <summary>The validator's path of a variable (<c>budget.max_programs</c> -> <c>experiment.budget.max_programs</c>), where its errors are located.</summary>
    public static string PathOf(string name) => "experiment." + name;

    /// <summary>A list as one line of text: <c>["1", "2"]</c> for axis values (strings), <c>[1, 10]</c> for k.</summary>
    private static string ListText(IEnumerable<string> values, bool quote) =>
        "[" + string.Join(", ", values.Select(v => quote ? JsonSerializer.Serialize(v, JsonOptions) : v)) + "]";

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonArray PointsJson(ImmutableArray<ImmutableSortedDictionary<string, string>> points) =>
        new(points.Select(p => (JsonNode)new JsonObject(p.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)))).ToArray());

    /// <summary>A posted value as the text Studio's dialog shows: strings as they are, anything else as its JSON; null when unset.</summary>
    private static string? Text(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        _ => value.ToJsonString(),
    };

    /// <summary>Reads posted values by setting name; an absent (deleted) or empty variable is an unset setting.</summary>
    private sealed class Reader(Dictionary<string, string?> posted, List<(string, string)> problems)
    {
        private string? Raw(string name) => posted.TryGetValue(name, out var v) && v is not null && v.Trim().Length > 0 ? v.Trim() : null;

        private void Problem(string name, string message) => problems.Add((PathOf(name), $"variable {name}: {message}"));

        public string? String(string name, string? current) => Raw(name) is { } s ? (s == current?.Trim() ? current : s) : null;

        public int? Int(string name, int? current, int min)
        {
            if (Raw(name) is not { } s) return null;
            if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min) return v;
            Problem(name, min == int.MinValue ? $"'{s}' is not a whole number" : $"'{s}' is not a whole number >= {min}");
            return current;
        }

        public long? Long(string name, long? current)
        {
            if (Raw(name) is not { } s) return null;
            if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= 1) return v;
            Problem(name, $"'{s}' is not a whole number >= 1");
            return current;
        }

        public decimal? Money(string name, decimal? current)
        {
            if (Raw(name) is not { } s) return null;
            if (decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v > 0)
                return v == current ? current : v; // 0.5 and 0.50 are the same amount: the file keeps its spelling
            Problem(name, $"'{s}' is not an amount > 0 (in the currency of the models' prices, e.g. 2.50)");
            return current;
        }

        public TimeSpan? Time(string name, TimeSpan? current)
        {
            if (Raw(name) is not { } s) return null;
            try
            {
                var t = Durations.Parse(s);
                if (t > TimeSpan.Zero) return t;
                Problem(name, $"'{s}' is not a duration > 0 (e.g. 90s, 10m, 1h30m)");
            }
            catch (FormatException e) { Problem(name, e.Message); }
            return current;
        }

        public bool Bool(string name, bool current)
        {
            switch (Raw(name)?.ToLowerInvariant())
            {
                case null or "false": return false;
                case "true": return true;
                default: Problem(name, $"'{Raw(name)}' is not true or false"); return current;
            }
        }

        /// <summary>A list of values: JSON (<c>["a", "b"]</c>) or plain text (<c>a, b</c> or <c>[a, b]</c>); null when the variable is absent.</summary>
        public ImmutableArray<string>? StringList(string name)
        {
            if (!posted.TryGetValue(name, out var raw)) return null;
            var s = (raw ?? "").Trim();
            if (s.StartsWith('['))
            {
                try
                {
                    if (JsonNode.Parse(s) is JsonArray a)
                    {
                        if (a.All(x => x is JsonValue xv && xv.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
                            return [.. a.Select(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String ? xv.GetValue<string>() : x!.ToJsonString())];
                        Problem(name, $"'{s}' is not a list of values such as [\"a\", \"b\"]");
                        return null;
                    }
                }
                catch (JsonException)
                {
                    // Not JSON: read as the plain list [a, b] below.
                }
                if (!s.EndsWith(']')) { Problem(name, $"'{s}' is not a list of values such as [\"a\", \"b\"] (no closing ']')"); return null; }
                s = s[1..^1];
            }
            if (s.Trim().Length == 0) return [];
            return [.. s.Split(',').Select(x => x.Trim().Trim('"', '\''))];
        }

        public ImmutableArray<int> IntList(string name, ImmutableArray<int> current)
        {
            if (Raw(name) is null) return [1];
            if (StringList(name) is not { } items) return current;
            var result = ImmutableArray.CreateBuilder<int>();
            foreach (var item in items)
            {
                if (int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 1) result.Add(v);
                else { Problem(name, $"'{item}' is not a whole number >= 1"); return current; }
            }
            return result.Count == 0 ? [1] : result.ToImmutable();
        }

        /// <summary>A JSON value; the file's own when the posted one is the same JSON.</summary>
        public JsonNode? Json(string name, string path, JsonNode? current)
        {
            if (Raw(name) is not { } s) { problems.Add((path, $"variable {name} has no value; delete the variable to remove the setting")); return null; }
            JsonNode? parsed;
            try { parsed = JsonNode.Parse(s); }
            catch (JsonException e) { problems.Add((path, $"variable {name}: not valid JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]})")); return null; }
            return current is not null && (JsonNode.DeepEquals(parsed, current) || parsed?.ToJsonString() == current.ToJsonString()) ? current : parsed;
        }

        public ImmutableArray<ImmutableSortedDictionary<string, string>> Points(string name, ImmutableArray<ImmutableSortedDictionary<string, string>> current)
        {
            if (!posted.ContainsKey(name)) return [];
            if (Json(name, $"experiment.{name}", PointsJson(current)) is not { } node) return current;
            if (node is not JsonArray a || a.Any(x => x is not JsonObject))
            {
                Problem(name, "expected a JSON list of axis -> value objects, e.g. [{\"drafts\": \"1\", \"model\": \"small\"}]");
                return current;
            }
            var points = a.OfType<JsonObject>().Select(p => p.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value is JsonValue pv && pv.GetValueKind() == JsonValueKind.String ? pv.GetValue<string>() : kv.Value?.ToJsonString() ?? "", StringComparer.Ordinal)).ToImmutableArray();
            return points.Length == current.Length && points.Zip(current).All(p => p.First.SequenceEqual(p.Second)) ? current : points;
        }
    }
}
