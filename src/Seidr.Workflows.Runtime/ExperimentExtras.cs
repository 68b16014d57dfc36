using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Runtime;

/// <summary>
/// Experiment settings read from the experiment's extra keys: <c>language</c> (python, cpp: the language of every
/// problem) and <c>split</c> (which PSB2 cases are visible and hidden:
/// <c>{seed, train: {edge: all|N, random: N}, test: {random: N}}</c>). Bad values are errors with their field path.
/// </summary>
internal static class ExperimentExtras
{
    public const string LanguageSetting = "language";
    public const string SplitSetting = "split";

    /// <summary>The experiment's language (normalised), or null when it sets none.</summary>
    public static string? LanguageOf(ExperimentSettings experiment)
    {
        if (experiment.Extras?[LanguageSetting] is not { } node) return null;
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return Languages.Normalize(text) ?? throw new SettingException($"experiment.{LanguageSetting}", $"unknown language '{text}' (known: {string.Join(", ", Languages.Known)})");
    }

    /// <summary>Errors in the values of a <c>language</c> matrix axis.</summary>
    public static IEnumerable<(string Path, string Message)> CheckLanguageAxis(ExperimentSettings experiment)
    {
        foreach (var axis in experiment.Matrix.Axes.Where(a => a.Name == Variant.LanguageAxis))
            foreach (var value in axis.Values.Where(v => Languages.Normalize(v) != v))
                yield return ($"experiment.matrix.{Variant.LanguageAxis}", $"unknown language '{value}' (known: {string.Join(", ", Languages.Known)})");
    }

    /// <summary>The experiment's PSB2 split, or null when it sets none (every edge case visible, every random case hidden).</summary>
    public static Psb2Split? SplitOf(ExperimentSettings experiment)
    {
        if (experiment.Extras?[SplitSetting] is not { } node) return null;
        const string at = "experiment." + SplitSetting;
        if (node is not JsonObject split) throw new SettingException(at, "expected {seed, train: {edge, random}, test: {random}}");
        foreach (var key in split.Select(kv => kv.Key).Where(k => k is not ("seed" or "train" or "test")))
            throw new SettingException($"{at}.{key}", $"unknown field '{key}' (known: seed, train, test)");
        var result = new Psb2Split { Seed = split["seed"] is { } seed ? Count(seed, $"{at}.seed", allowAll: false) ?? 0 : experiment.Seed };
        if (split["train"] is { } train)
        {
            if (train is not JsonObject t) throw new SettingException($"{at}.train", "expected {edge: all|N, random: N}");
            foreach (var key in t.Select(kv => kv.Key).Where(k => k is not ("edge" or "random")))
                throw new SettingException($"{at}.train.{key}", $"unknown field '{key}' (known: edge, random)");
            result = result with
            {
                TrainEdge = t["edge"] is { } e ? Count(e, $"{at}.train.edge", allowAll: true) : null,
                TrainRandom = t["random"] is { } r ? Count(r, $"{at}.train.random", allowAll: false) : null,
            };
        }
        if (split["test"] is { } test)
        {
            if (test is not JsonObject t) throw new SettingException($"{at}.test", "expected {random: N}");
            foreach (var key in t.Select(kv => kv.Key).Where(k => k != "random"))
                throw new SettingException($"{at}.test.{key}", $"unknown field '{key}' (known: random)");
            result = result with { TestRandom = t["random"] is { } r ? Count(r, $"{at}.test.random", allowAll: true) : null };
        }
        return result;
    }

    /// <summary>A count: a whole number, or <c>all</c> (null) where allowed.</summary>
    private static int? Count(JsonNode node, string at, bool allowAll)
    {
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        if (allowAll && text.Equals("all", StringComparison.OrdinalIgnoreCase)) return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        throw new SettingException(at, $"expected a whole number{(allowAll ? " or 'all'" : "")}, got '{text}'");
    }
}

/// <summary>An experiment setting with a bad value, and its field path (for a located diagnostic).</summary>
internal sealed class SettingException(string path, string message) : Exception($"{path}: {message}")
{
    public string PathName { get; } = path;
    public string Reason { get; } = message;
}
