using System.Collections.Immutable;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Seidr.Workflows.Models.Providers;

/// <summary>What a scripted rule does when its answers run out.</summary>
public enum ScriptExhaustion
{
    /// <summary>Start again from the first answer.</summary>
    Cycle,
    /// <summary>Keep serving the last answer.</summary>
    Last,
    /// <summary>Throw <see cref="ScriptExhaustedException"/>.</summary>
    Fail,
}

/// <summary>One rule of a script: all of its given conditions must hold; its answers are served in order.</summary>
internal sealed record ScriptRule(string Name, string? Stage, string? Problem, string? Contains, Regex? Regex, ImmutableArray<string> Answers, ScriptExhaustion OnExhausted)
{
    /// <summary>Whether every condition the rule sets holds for the request text <paramref name="text"/> and its <paramref name="tags"/>.</summary>
    public bool Matches(string text, CallTags tags) =>
        (Stage is null || string.Equals(Stage, tags.Stage, StringComparison.OrdinalIgnoreCase) || IsInnerStage(tags.Stage))
        && (Problem is null || string.Equals(Problem, tags.ProblemId, StringComparison.Ordinal))
        && (Contains is null || text.Contains(Contains, StringComparison.Ordinal))
        && (Regex is null || Regex.IsMatch(text));

    // A stage of a workflow used as an activity runs as 'node/stage' (possibly nested); a rule for 'stage' answers it too.
    private bool IsInnerStage(string? stage) =>
        stage is not null && stage.EndsWith("/" + Stage, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A parsed scripted-model file. Rules are tried in file order; the first whose conditions all hold answers.
/// Each rule keeps one position per problem id (tags.ProblemId), so every problem sees the same sequence
/// whatever the order in which problems run; every sample served moves the position by one.
/// </summary>
internal sealed class ModelScript
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
    private readonly Dictionary<(int Rule, string Problem), int> _positions = new();

    /// <summary>The rules in file order; the first that matches answers.</summary>
    public required ImmutableArray<ScriptRule> Rules { get; init; }
    /// <summary>The answers given when no rule matches; null: such a request fails.</summary>
    public ScriptRule? Default { get; init; }

    /// <summary>Reads a script's YAML.</summary>
    /// <exception cref="ModelConfigurationException">The YAML is malformed or a rule is invalid; names <paramref name="modelName"/> and <paramref name="source"/>.</exception>
    public static ModelScript Parse(string modelName, string yaml, string source = "script")
    {
        ScriptFile file;
        try { file = Yaml.Deserialize<ScriptFile?>(yaml) ?? new ScriptFile(); }
        catch (YamlException e) { throw new ModelConfigurationException(modelName, "file", $"{source}: invalid script: {e.Message}"); }

        var fallback = ParseExhaustion(modelName, source, file.OnExhausted, ScriptExhaustion.Cycle);
        var rules = (file.Rules ?? []).Select((r, i) => ToRule(modelName, source, r, $"rule {i + 1}", fallback, requireCondition: true)).ToImmutableArray();
        var def = file.Default is null ? null : ToRule(modelName, source, file.Default, "default", fallback, requireCondition: false);
        if (rules.IsEmpty && def is null) throw new ModelConfigurationException(modelName, "file", $"{source}: the script has no rules and no default");
        return new ModelScript { Rules = rules, Default = def };
    }

    private static ScriptRule ToRule(string model, string source, RuleModel r, string fallbackName, ScriptExhaustion fallback, bool requireCondition)
    {
        var name = r.Name ?? fallbackName;
        var answers = (r.Answers ?? []).ToList();
        if (r.Answer is not null) answers.Insert(0, r.Answer);
        if (answers.Count == 0) throw new ModelConfigurationException(model, "file", $"{source}: {name} has no answers");
        if (requireCondition && r.Stage is null && r.Problem is null && r.Contains is null && r.Regex is null)
            throw new ModelConfigurationException(model, "file", $"{source}: {name} has no condition (stage, problem, contains or regex); use 'default:' for a catch-all");
        Regex? regex = null;
        if (r.Regex is not null)
        {
            try { regex = new Regex(r.Regex, RegexOptions.CultureInvariant | RegexOptions.Multiline, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException e) { throw new ModelConfigurationException(model, "file", $"{source}: {name}: invalid regex: {e.Message}"); }
        }
        return new ScriptRule(name, r.Stage, r.Problem, r.Contains, regex, [.. answers], ParseExhaustion(model, source, r.OnExhausted, fallback));
    }

    private static ScriptExhaustion ParseExhaustion(string model, string source, string? value, ScriptExhaustion fallback) => value?.ToLowerInvariant() switch
    {
        null => fallback,
        "cycle" => ScriptExhaustion.Cycle,
        "last" or "repeat_last" => ScriptExhaustion.Last,
        "fail" => ScriptExhaustion.Fail,
        _ => throw new ModelConfigurationException(model, "file", $"{source}: on_exhausted '{value}' is not cycle, last or fail"),
    };

    /// <summary>The next answer for a request, and the rule that gave it.</summary>
    public (string Answer, ScriptRule Rule) Next(string modelName, string text, CallTags tags)
    {
        int index = -1;
        ScriptRule? rule = null;
        for (int i = 0; i < Rules.Length; i++)
        {
            if (Rules[i].Matches(text, tags)) { index = i; rule = Rules[i]; break; }
        }
        rule ??= Default ?? throw new ScriptExhaustedException(modelName,
            $"no rule matches stage '{tags.Stage}', problem '{tags.ProblemId}' and there is no default (prompt starts '{Start(text)}')");

        int position;
        lock (_positions)
        {
            var key = (index, tags.ProblemId ?? "");
            _positions.TryGetValue(key, out position);
            _positions[key] = position + 1;
        }
        var answers = rule.Answers;
        if (position < answers.Length) return (answers[position], rule);
        return rule.OnExhausted switch
        {
            ScriptExhaustion.Cycle => (answers[position % answers.Length], rule),
            ScriptExhaustion.Last => (answers[^1], rule),
            _ => throw new ScriptExhaustedException(modelName,
                $"{rule.Name} has {answers.Length} answer(s) and answer {position + 1} was asked{(tags.ProblemId is null ? "" : $" for problem '{tags.ProblemId}'")} (on_exhausted: fail)"),
        };
    }

    private static string Start(string text)
    {
        var s = text.ReplaceLineEndings("\\n");
        return s.Length <= 60 ? s : s[..57] + "...";
    }

    private sealed class ScriptFile
    {
        public string? OnExhausted { get; set; }
        public List<RuleModel>? Rules { get; set; }
        public RuleModel? Default { get; set; }
    }

    private sealed class RuleModel
    {
        public string? Name { get; set; }
        public string? Stage { get; set; }
        public string? Problem { get; set; }
        public string? Contains { get; set; }
        public string? Regex { get; set; }
        public string? Answer { get; set; }
        public List<string>? Answers { get; set; }
        public string? OnExhausted { get; set; }
    }
}

/// <summary>Serves answers from a <see cref="ModelScript"/>; usage is counted with the model's tokenizer (<see cref="ModelDefinition.Tokenizer"/>).</summary>
internal sealed class ScriptedBackend : IModelBackend
{
    private readonly ModelDefinition _model;
    private readonly ModelScript _script;

    public ScriptedBackend(ModelDefinition model)
    {
        _model = model;
        var file = model.Files[0];
        if (!File.Exists(file)) throw new ModelConfigurationException(model.Name, "file", $"script '{file}' does not exist");
        _script = ModelScript.Parse(model.Name, File.ReadAllText(file), file);
    }

    public bool SupportsMultipleSamples => true;

    public int DefaultSamplesPerCall => int.MaxValue;

    public Task<BackendResult> GenerateAsync(BackendCall call, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var text = string.Join("\n\n", call.Messages.Select(m => m.Content));
        var samples = new List<BackendSample>(call.Count);
        for (int i = 0; i < call.Count; i++)
            samples.Add(new BackendSample(_script.Next(_model.Name, text, call.Tags).Answer, "scripted"));
        var tokens = _model.TokenCounter;
        long input = tokens.Count(call.Messages) * (long)call.Count;
        long output = samples.Sum(s => (long)tokens.Count(s.Text));
        return Task.FromResult(new BackendResult(samples, input, output, _model.ModelId));
    }

    public void Dispose() { }
}
