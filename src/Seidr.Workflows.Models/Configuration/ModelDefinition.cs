using System.Collections.Immutable;
using Seidr.Workflows.Models.Tokens;

namespace Seidr.Workflows.Models;

/// <summary>Kinds of provider the layer can talk to.</summary>
public enum ProviderKind
{
    /// <summary>api.openai.com through Semantic Kernel's OpenAI connector.</summary>
    OpenAI,
    /// <summary>Azure OpenAI (v1 API, <c>{endpoint}/openai/v1/</c>, <c>api-key</c> header) through the same connector.</summary>
    AzureOpenAI,
    /// <summary>Any server speaking the OpenAI chat API at a base URL (Ollama <c>/v1</c>, vLLM, llama.cpp server, LM Studio).</summary>
    OpenAICompatible,
    /// <summary>Ollama's native <c>/api/chat</c> through OllamaSharp.</summary>
    Ollama,
    /// <summary>Recorded outputs (JSON lines of <c>{prompt, samples}</c>).</summary>
    Replay,
    /// <summary>Answers from a YAML script, for deterministic runs with no model server.</summary>
    Scripted,
}

/// <summary>Which endpoint a model is called through.</summary>
public enum ModelApi
{
    /// <summary>Chat completions (<c>/chat/completions</c>, Ollama <c>/api/chat</c>).</summary>
    Chat,
    /// <summary>
    /// Text completions for base/code models (<c>/completions</c>, Ollama <c>/api/generate</c> with <c>raw</c>): the prompt is
    /// the messages' contents joined by blank lines (a single user message is sent as it is).
    /// </summary>
    Completions,
}

/// <summary>Price of a model per million tokens.</summary>
public sealed record ModelPricing(decimal InputPerMillion, decimal OutputPerMillion)
{
    /// <summary>No price: local models, replay and scripted backends.</summary>
    public static ModelPricing Free { get; } = new(0m, 0m);
    /// <summary>What <paramref name="usage"/> costs at these prices.</summary>
    public decimal CostOf(TokenUsage usage) =>
        (usage.InputTokens * InputPerMillion + usage.OutputTokens * OutputPerMillion) / 1_000_000m;
}

/// <summary>
/// A provider entry: where to connect and the limits shared by every model that uses it.
/// Limits (calls in flight, tokens per minute) are enforced per provider entry, across its models.
/// </summary>
public sealed record ProviderDefinition
{
    /// <summary>The entry's name under <c>Seidr:Providers</c>, which models refer to.</summary>
    public required string Name { get; init; }
    /// <summary>Which API the entry speaks (OpenAI, Azure OpenAI, Ollama, replay, scripted).</summary>
    public required ProviderKind Kind { get; init; }
    /// <summary>The server's address; null: the kind's default address.</summary>
    public Uri? BaseUrl { get; init; }
    /// <summary>Name of the environment variable (or user-secrets key) that holds the API key. Never the key itself.</summary>
    public string? ApiKeyEnv { get; init; }
    /// <summary>Most calls in flight at once across the entry's models, so a run does not flood the server.</summary>
    public int MaxConcurrency { get; init; } = 8;
    /// <summary>Tokens (input + output) per minute; <c>null</c> = no limit.</summary>
    public int? TokensPerMinute { get; init; }
    /// <summary>Retries of a call that failed for a passing reason (429, 5xx, timeout, network) before it counts as failed.</summary>
    public int MaxRetries { get; init; } = 5;
    /// <summary>First backoff delay; doubles on each retry (with jitter) unless the server sends Retry-After.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest Retry-After honoured; longer values are clipped to it.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Time limit of one attempt unless the model's settings set their own.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Whether the server accepts <c>n</c> &gt; 1 in one chat call.</summary>
    public bool SupportsN { get; init; }

    /// <summary>
    /// The provider's circuit breaker: once at least this many calls within 30 s were rejected with a permanent error
    /// (a 4xx other than 408 and 429: a wrong model name, a refused key, a bad request) and they are at least half of
    /// that window's calls, no further call is made and the run stops with the error. 0 turns the breaker off. Default 4.
    /// </summary>
    public int StopAfterRejections { get; init; } = 4;
}

/// <summary>The resolved configuration of one named model (appsettings.json merged with the workflow's <c>models:</c>).</summary>
public sealed record ModelDefinition
{
    /// <summary>The logical name workflows use (the key under <c>models:</c>).</summary>
    public required string Name { get; init; }
    /// <summary>The provider entry the model is called through, with its limits.</summary>
    public required ProviderDefinition Provider { get; init; }
    /// <summary>Model id sent to the provider (Azure: the deployment name).</summary>
    public required string ModelId { get; init; }
    /// <summary>Sampling settings configured for the model; a request's overrides win over them.</summary>
    public ModelSettings Settings { get; init; } = ModelSettings.Empty;
    /// <summary>Chat (default) or text completions.</summary>
    public ModelApi Api { get; init; } = ModelApi.Chat;
    /// <summary>The prices its tokens are charged at, for costs and budgets.</summary>
    public ModelPricing Pricing { get; init; } = ModelPricing.Free;
    /// <summary>The entry of <c>Seidr:Pricing</c> whose prices this model's tokens are charged at (<c>prices: {as: gpt-4o-mini}</c>), or null.</summary>
    public string? PricedAs { get; init; }
    /// <summary>
    /// The tokenizer that counts this model's tokens where the server reports none (replay, scripted, estimates before a
    /// call): the <c>tokenizer:</c> setting, else the one the model id implies, else <see cref="TokenCounters.Default"/>.
    /// </summary>
    public string Tokenizer { get; init; } = TokenCounters.Default;
    /// <summary>The counter for <see cref="Tokenizer"/>.</summary>
    public ITokenCounter TokenCounter => TokenCounters.Get(Tokenizer);
    /// <summary>Files of a replay pool or the scripted YAML file (absolute paths).</summary>
    public ImmutableArray<string> Files { get; init; } = [];
    /// <summary>Whether responses go through the response cache (default: true for network providers, false for replay/scripted).</summary>
    public bool UseCache { get; init; } = true;
    /// <summary>A free-text note from the model's configuration entry (<c>description:</c>), for people reading the catalog.</summary>
    public string? Description { get; init; }

    /// <summary>The provider entry's kind, which picks the backend.</summary>
    public ProviderKind Kind => Provider.Kind;

    /// <summary>The name with provider and model id, for logs and error messages.</summary>
    public override string ToString() => $"{Name} ({Provider.Name}:{ModelId})";
}
