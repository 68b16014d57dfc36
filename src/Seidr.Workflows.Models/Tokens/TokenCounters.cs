using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Seidr.Workflows.Models.Tokens;

/// <summary>
/// The tokenizers this version ships (Microsoft.ML.Tokenizers with its packaged vocabularies) and the rule that picks
/// one for a model: an explicit <c>tokenizer:</c> setting, else one inferred from the model id, else <see cref="Default"/>.
/// </summary>
public static partial class TokenCounters
{
    /// <summary>OpenAI's encoding of gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4 and gpt-oss.</summary>
    public const string O200kBase = "o200k_base";
    /// <summary>OpenAI's encoding of gpt-4 and gpt-3.5-turbo.</summary>
    public const string Cl100kBase = "cl100k_base";
    /// <summary>GPT-2's byte-pair encoding, which CodeGen uses (the recorded replay pools).</summary>
    public const string Gpt2 = "gpt2";

    /// <summary>
    /// For a model whose id says nothing: cl100k_base, because the open chat models most often served locally use
    /// byte-level BPE vocabularies of its kind (Llama 3's 128K vocabulary extends cl100k's 100K tokens).
    /// </summary>
    public const string Default = Cl100kBase;

    /// <summary>The tokenizers that can be named in a model's <c>tokenizer:</c> setting.</summary>
    public static ImmutableArray<string> Names { get; } = [O200kBase, Cl100kBase, Gpt2];

    private static readonly ConcurrentDictionary<string, Lazy<ITokenCounter>> Counters = new(StringComparer.Ordinal);

    /// <summary>The canonical name of <paramref name="name"/> (case, <c>_base</c> and <c>-</c> are forgiven: <c>o200k</c>, <c>GPT-2</c>), or null when unknown.</summary>
    public static string? Canonical(string? name) => name?.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
        "o200k_base" or "o200k" => O200kBase,
        "cl100k_base" or "cl100k" => Cl100kBase,
        "gpt2" => Gpt2,
        _ => null,
    };

    /// <summary>The counter named <paramref name="name"/>; its vocabulary is loaded once per process, on first use.</summary>
    public static ITokenCounter Get(string name)
    {
        var canonical = Canonical(name) ?? throw new ArgumentException($"unknown tokenizer '{name}': use one of {string.Join(", ", Names)}", nameof(name));
        return Counters.GetOrAdd(canonical, n => new Lazy<ITokenCounter>(() => new TiktokenCounter(n, n == Gpt2
            ? TiktokenTokenizer.CreateForModel("gpt2")
            : TiktokenTokenizer.CreateForEncoding(n)))).Value;
    }

    /// <summary>
    /// The tokenizer a model id implies, or null: CodeGen and GPT-2 use GPT-2's BPE; gpt-4o, gpt-4.1, gpt-4.5, gpt-5,
    /// gpt-oss and the o-series (o1, o3, o4) use o200k_base; gpt-4 and gpt-3.5 use cl100k_base. A provider prefix
    /// (<c>Salesforce/</c>, <c>openai/</c>, <c>ft:</c>) and a deployment's own prefix (<c>my-gpt-4o-mini</c>) are allowed.
    /// </summary>
    public static string? Infer(string? modelId)
    {
        if (string.IsNullOrWhiteSpace(modelId)) return null;
        var id = modelId.Trim().ToLowerInvariant();
        if (id.Contains("codegen", StringComparison.Ordinal) || Gpt2Name().IsMatch(id)) return Gpt2;
        if (O200kName().IsMatch(id)) return O200kBase;
        if (Cl100kName().IsMatch(id)) return Cl100kBase;
        return null;
    }

    [GeneratedRegex(@"(^|[/:_-])gpt-?2($|[-_.])", RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2Name();

    [GeneratedRegex(@"gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|(^|[/:_-])o[134]($|[-_.])", RegexOptions.CultureInvariant)]
    private static partial Regex O200kName();

    [GeneratedRegex(@"gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002", RegexOptions.CultureInvariant)]
    private static partial Regex Cl100kName();

    private sealed class TiktokenCounter(string name, Tokenizer tokenizer) : ITokenCounter
    {
        public string Name => name;

        public int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : tokenizer.CountTokens(text);
    }
}
