using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Models.Tokens;

namespace Seidr.Workflows.Models.Configuration;

/// <summary>
/// Reads model definitions from <c>Seidr:Models</c>, <c>Seidr:Providers</c> and <c>Seidr:Pricing</c> and merges a
/// workflow's <c>models:</c> section over them (key by key; the workflow wins).
/// </summary>
public static class ModelCatalog
{
    internal static readonly string[] ModelKeys =
    [
        "provider", "model", "deployment", "base_url", "endpoint", "api_key_env", "temperature", "top_p", "max_tokens",
        "stop", "seed", "samples_per_call", "timeout_seconds", "prices", "file", "files", "cache", "description", "api",
        "max_concurrency", "tokens_per_minute", "max_retries", "retry_base_delay_ms", "max_retry_delay_seconds", "supports_n",
        "stop_after_rejections", "tokenizer",
    ];

    internal static readonly string[] ProviderKeys =
    [
        "type", "base_url", "endpoint", "api_key_env", "max_concurrency", "tokens_per_minute", "max_retries",
        "retry_base_delay_ms", "max_retry_delay_seconds", "timeout_seconds", "supports_n", "stop_after_rejections",
    ];

    private static readonly string[] PriceKeys = ["input_per_million", "output_per_million", "as"];

    /// <summary>Parses a provider kind name (<c>openai</c>, <c>azure-openai</c>, <c>openai-compatible</c>, <c>ollama</c>, <c>replay</c>, <c>scripted</c>).</summary>
    public static bool TryParseKind(string? name, out ProviderKind kind)
    {
        switch (name is null ? "" : ConfigValues.Normalize(name))
        {
            case "openai": kind = ProviderKind.OpenAI; return true;
            case "azureopenai" or "azure": kind = ProviderKind.AzureOpenAI; return true;
            case "openaicompatible" or "compatible" or "vllm" or "llamacpp" or "lmstudio": kind = ProviderKind.OpenAICompatible; return true;
            case "ollama": kind = ProviderKind.Ollama; return true;
            case "replay": kind = ProviderKind.Replay; return true;
            case "scripted": kind = ProviderKind.Scripted; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>The name a provider kind has in configuration (<c>openai</c>, <c>azure-openai</c>, ...), the inverse of parsing it.</summary>
    public static string KindName(ProviderKind kind) => kind switch
    {
        ProviderKind.OpenAI => "openai",
        ProviderKind.AzureOpenAI => "azure-openai",
        ProviderKind.OpenAICompatible => "openai-compatible",
        ProviderKind.Ollama => "ollama",
        ProviderKind.Replay => "replay",
        ProviderKind.Scripted => "scripted",
        _ => kind.ToString(),
    };

    /// <summary>
    /// Every model defined in <paramref name="configuration"/> (<c>Seidr:Models</c>) and in <paramref name="workflowModels"/>.
    /// Throws <see cref="ModelConfigurationException"/> naming the model and the key for any error. Relative files of
    /// the workflow's models are resolved against <paramref name="baseDirectory"/> (the workflow's folder), those of
    /// <c>Seidr:Models</c> against <paramref name="configurationDirectory"/> (the folder of appsettings.json; default: the
    /// base directory), so one appsettings entry serves workflows in any folder.
    /// </summary>
    public static IReadOnlyDictionary<string, ModelDefinition> Build(
        IConfiguration configuration,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>>? workflowModels,
        string? baseDirectory = null,
        string? configurationDirectory = null)
    {
        var seidr = configuration.GetSection("Seidr");
        var raw = new Dictionary<string, ConfigValues>(StringComparer.Ordinal);
        var filesFromConfiguration = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in seidr.GetSection("Models").GetChildren())
        {
            raw[m.Key] = ConfigValues.FromSection(m.Key, m);
            if (raw[m.Key].Has("file") || raw[m.Key].Has("files")) filesFromConfiguration.Add(m.Key);
        }
        foreach (var (name, values) in workflowModels ?? new Dictionary<string, IReadOnlyDictionary<string, object?>>())
        {
            if (!raw.TryGetValue(name, out var v)) raw[name] = v = new ConfigValues(name);
            v.MergeFrom(values);
            if (values.Keys.Any(k => ConfigValues.Normalize(k) is "file" or "files")) filesFromConfiguration.Remove(name);
        }

        var providers = seidr.GetSection("Providers");
        var pricing = seidr.GetSection("Pricing");
        var baseDir = Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory());
        var configDir = configurationDirectory is null ? baseDir : Path.GetFullPath(configurationDirectory);
        var result = new Dictionary<string, ModelDefinition>(StringComparer.Ordinal);
        foreach (var (name, values) in raw)
            result[name] = BuildOne(name, values, providers, pricing, filesFromConfiguration.Contains(name) ? configDir : baseDir);
        return result;
    }

    private static ModelDefinition BuildOne(string name, ConfigValues v, IConfigurationSection providers, IConfigurationSection pricing, string baseDir)
    {
        v.RejectUnknown(ModelKeys, "the model");
        if (v.Has("api_key") || v.Has("apikey"))
            throw new ModelConfigurationException(name, "api_key", "API keys must not be written in configuration or workflow files; name the environment variable with api_key_env");

        var providerName = v.RequiredString("provider", "one of openai, azure-openai, openai-compatible, ollama, replay, scripted, or an entry of Seidr:Providers");
        var provider = ResolveProvider(name, providerName, providers);
        provider = ApplyProviderSettings(provider, v);
        Validate(name, provider);

        var kind = provider.Kind;
        string modelId = v.String("deployment") ?? v.String("model") ?? kind switch
        {
            ProviderKind.Replay or ProviderKind.Scripted => name,
            _ => throw new ModelConfigurationException(name, "model", kind == ProviderKind.AzureOpenAI
                ? "is required (the deployment name)" : "is required (the provider's model id, e.g. gpt-4o-mini or llama3.1:8b)"),
        };

        var settings = new ModelSettings
        {
            Temperature = v.Double("temperature", 0, 2),
            TopP = v.Double("top_p", 0, 1),
            MaxTokens = v.Int("max_tokens", 1),
            Stop = v.StringList("stop"),
            Seed = v.Long("seed"),
            SamplesPerCall = v.Int("samples_per_call", 1),
            Timeout = v.Double("timeout_seconds", 0.001) is { } t ? TimeSpan.FromSeconds(t) : null,
        };

        var files = (v.StringList("files") ?? []).AddRange(v.StringList("file") ?? []);
        files = files.Select(f => ResolvePath(f, baseDir)).ToImmutableArray();
        if (kind is ProviderKind.Replay or ProviderKind.Scripted && files.IsEmpty)
            throw new ModelConfigurationException(name, "file", kind == ProviderKind.Replay
                ? "is required for a replay model (JSON lines of {prompt, samples}, .jsonl or .jsonl.gz)"
                : "is required for a scripted model (a YAML script)");
        if (kind is not (ProviderKind.Replay or ProviderKind.Scripted) && !files.IsEmpty)
            throw new ModelConfigurationException(name, "file", $"only replay and scripted models read a file, not {KindName(kind)}");

        var api = v.String("api")?.ToLowerInvariant() switch
        {
            null or "chat" => ModelApi.Chat,
            "completions" or "completion" or "text" => ModelApi.Completions,
            var other => throw new ModelConfigurationException(name, "api", $"'{other}' is not chat or completions"),
        };
        if (api == ModelApi.Completions && kind is ProviderKind.Replay or ProviderKind.Scripted)
            throw new ModelConfigurationException(name, "api", $"{KindName(kind)} models have no api setting");

        var tokenizer = v.String("tokenizer") is { } named
            ? TokenCounters.Canonical(named) ?? throw new ModelConfigurationException(name, "tokenizer", $"'{named}' is not a tokenizer this version has: use {string.Join(", ", TokenCounters.Names)}")
            : TokenCounters.Infer(modelId) ?? TokenCounters.Default;
        var (prices, pricedAs) = ReadPricing(name, v, pricing, modelId);

        return new ModelDefinition
        {
            Name = name,
            Api = api,
            Provider = provider,
            ModelId = modelId,
            Settings = settings,
            Pricing = prices,
            PricedAs = pricedAs,
            Tokenizer = tokenizer,
            Files = files,
            UseCache = v.Bool("cache") ?? kind is not (ProviderKind.Replay or ProviderKind.Scripted),
            Description = v.String("description"),
        };
    }

    private static ProviderDefinition ResolveProvider(string model, string providerName, IConfigurationSection providers)
    {
        var entry = providers.GetChildren().FirstOrDefault(c => string.Equals(c.Key, providerName, StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            if (!TryParseKind(providerName, out var implicitKind))
                throw new ModelConfigurationException(model, "provider", $"unknown provider '{providerName}': use openai, azure-openai, openai-compatible, ollama, replay, scripted, or add it under Seidr:Providers");
            return Defaults(KindName(implicitKind), implicitKind);
        }

        var pv = ConfigValues.FromSection(model, entry);
        pv.RejectUnknown(ProviderKeys, $"provider '{entry.Key}'");
        var typeName = pv.String("type") ?? entry.Key;
        if (!TryParseKind(typeName, out var kind))
            throw new ModelConfigurationException(model, $"Seidr:Providers:{entry.Key}:type", $"unknown provider type '{typeName}'");
        return ApplyProviderSettings(Defaults(entry.Key, kind), pv);
    }

    private static ProviderDefinition Defaults(string name, ProviderKind kind) => new()
    {
        Name = name,
        Kind = kind,
        BaseUrl = kind switch
        {
            ProviderKind.OpenAI => new Uri("https://api.openai.com/v1/"),
            ProviderKind.Ollama => new Uri("http://localhost:11434/"),
            _ => null,
        },
        ApiKeyEnv = kind switch
        {
            ProviderKind.OpenAI => "OPENAI_API_KEY",
            ProviderKind.AzureOpenAI => "AZURE_OPENAI_API_KEY",
            _ => null,
        },
        SupportsN = kind is ProviderKind.OpenAI or ProviderKind.AzureOpenAI,
        MaxConcurrency = kind is ProviderKind.Replay or ProviderKind.Scripted ? 1024 : 8,
        MaxRetries = kind is ProviderKind.Replay or ProviderKind.Scripted ? 0 : 5,
    };

    private static ProviderDefinition ApplyProviderSettings(ProviderDefinition p, ConfigValues v)
    {
        var url = v.String("base_url") ?? v.String("endpoint");
        Uri? baseUrl = p.BaseUrl;
        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
                throw new ModelConfigurationException(v.Owner, v.Has("base_url") ? "base_url" : "endpoint", $"'{url}' is not an http(s) URL");
            baseUrl = u;
        }
        return p with
        {
            BaseUrl = baseUrl,
            ApiKeyEnv = v.String("api_key_env") ?? p.ApiKeyEnv,
            MaxConcurrency = v.Int("max_concurrency", 1) ?? p.MaxConcurrency,
            TokensPerMinute = v.Int("tokens_per_minute", 1) ?? p.TokensPerMinute,
            MaxRetries = v.Int("max_retries", 0) ?? p.MaxRetries,
            RetryBaseDelay = v.Double("retry_base_delay_ms", 0) is { } d ? TimeSpan.FromMilliseconds(d) : p.RetryBaseDelay,
            MaxRetryDelay = v.Double("max_retry_delay_seconds", 0) is { } m ? TimeSpan.FromSeconds(m) : p.MaxRetryDelay,
            Timeout = v.Double("timeout_seconds", 0.001) is { } t ? TimeSpan.FromSeconds(t) : p.Timeout,
            SupportsN = v.Bool("supports_n") ?? p.SupportsN,
            StopAfterRejections = v.Int("stop_after_rejections", 0) ?? p.StopAfterRejections,
        };
    }

    private static void Validate(string model, ProviderDefinition p)
    {
        if (p.Kind is ProviderKind.AzureOpenAI or ProviderKind.OpenAICompatible && p.BaseUrl is null)
            throw new ModelConfigurationException(model, "base_url", p.Kind == ProviderKind.AzureOpenAI
                ? "is required for azure-openai (the resource endpoint, e.g. https://my-resource.openai.azure.com)"
                : "is required for openai-compatible (e.g. http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for vLLM)");
    }

    /// <summary>
    /// The model's prices: its own <c>prices:</c>, else the <c>Seidr:Pricing</c> entry of its model id, else free.
    /// <c>prices: {as: NAME}</c> charges its tokens at the entry NAME of <c>Seidr:Pricing</c> (a replayed pool priced as
    /// if an API model had written it); numbers beside <c>as</c> override that entry's.
    /// </summary>
    private static (ModelPricing Prices, string? PricedAs) ReadPricing(string model, ConfigValues v, IConfigurationSection pricing, string modelId)
    {
        var prices = v.Nested("prices");
        string? pricedAs = null;
        ConfigValues? table = null;
        if (prices is null)
        {
            var entry = FindPricing(pricing, modelId);
            if (entry is null) return (ModelPricing.Free, null);
            prices = ConfigValues.FromSection(model, entry);
        }
        else if (prices.String("as") is { } named)
        {
            var entry = FindPricing(pricing, named) ?? throw new ModelConfigurationException(model, "prices.as",
                $"no entry '{named}' under Seidr:Pricing (known: {string.Join(", ", pricing.GetChildren().Select(c => c.Key))})");
            table = ConfigValues.FromSection(model, entry);
            table.RejectUnknown(PriceKeys.Where(k => k != "as").ToArray(), $"Seidr:Pricing:{entry.Key}");
            pricedAs = entry.Key;
        }
        prices.RejectUnknown(PriceKeys, "prices");
        return (new ModelPricing(
            (decimal)(prices.Double("input_per_million", 0) ?? table?.Double("input_per_million", 0) ?? 0),
            (decimal)(prices.Double("output_per_million", 0) ?? table?.Double("output_per_million", 0) ?? 0)), pricedAs);
    }

    private static IConfigurationSection? FindPricing(IConfigurationSection pricing, string name) =>
        pricing.GetChildren().FirstOrDefault(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase));

    private static string ResolvePath(string path, string baseDir)
    {
        if (path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDir, path));
    }
}
