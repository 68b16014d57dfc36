using System.Collections.Immutable;

namespace Seidr.Workflows.Models;

/// <summary>Role of a message sent to a model.</summary>
public enum MessageRole
{
    System,
    User,
    Assistant,
}

/// <summary>One rendered message (system, user or assistant turn).</summary>
public sealed record PromptMessage(MessageRole Role, string Content)
{
    public static PromptMessage System(string content) => new(MessageRole.System, content);
    public static PromptMessage User(string content) => new(MessageRole.User, content);
    public static PromptMessage Assistant(string content) => new(MessageRole.Assistant, content);
}

/// <summary>
/// Sampling settings of a model. Every value is optional; <c>null</c> means "the provider's default"
/// (or the value configured for the model when used as an override).
/// </summary>
public sealed record ModelSettings
{
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? MaxTokens { get; init; }
    public ImmutableArray<string>? Stop { get; init; }
    public long? Seed { get; init; }

    /// <summary>
    /// Samples asked for in one HTTP call (<c>n</c>) where the provider supports it; otherwise (or when 1)
    /// every sample is its own call and the calls run in parallel. Does not change the cache key.
    /// </summary>
    public int? SamplesPerCall { get; init; }

    /// <summary>Time limit of one attempt (one HTTP call). Does not change the cache key.</summary>
    public TimeSpan? Timeout { get; init; }

    public static ModelSettings Empty { get; } = new();

    /// <summary>Values set in <paramref name="overrides"/> win over the values of this instance.</summary>
    public ModelSettings With(ModelSettings? overrides) => overrides is null ? this : new ModelSettings
    {
        Temperature = overrides.Temperature ?? Temperature,
        TopP = overrides.TopP ?? TopP,
        MaxTokens = overrides.MaxTokens ?? MaxTokens,
        Stop = overrides.Stop ?? Stop,
        Seed = overrides.Seed ?? Seed,
        SamplesPerCall = overrides.SamplesPerCall ?? SamplesPerCall,
        Timeout = overrides.Timeout ?? Timeout,
    };
}

/// <summary>Accounting tags of a call: they are summed over in the ledger and appear in telemetry.</summary>
public sealed record CallTags(string? RunId = null, string? VariantId = null, string? Stage = null, string? ProblemId = null)
{
    public static CallTags None { get; } = new();
}

/// <summary>
/// A request for <see cref="Samples"/> completions of the same rendered messages.
/// </summary>
/// <param name="Messages">The rendered conversation (usually from <see cref="Prompts.PromptTemplate.Render(IReadOnlyDictionary{string, object})"/>).</param>
/// <param name="Samples">How many samples are wanted (&gt;= 1).</param>
/// <param name="SampleOffset">
/// Index of the first sample. Sample <c>i</c> of a prompt has a stable cache key (and is record <c>i</c> of a replay pool).
/// <c>null</c> (default) lets the client hand out the next free indices for this prompt and settings, so the
/// k-th request of the same prompt in a run gets samples k.., in call order.
/// </param>
/// <param name="Settings">Overrides of the model's configured settings for this request.</param>
/// <param name="Tags">Accounting tags (run, variant, stage, problem).</param>
/// <param name="PromptName">Name of the prompt file, for records and telemetry.</param>
public sealed record ModelRequest(
    IReadOnlyList<PromptMessage> Messages,
    int Samples = 1,
    int? SampleOffset = null,
    ModelSettings? Settings = null,
    CallTags? Tags = null,
    string? PromptName = null)
{
    /// <summary>A request for the messages of a rendered prompt.</summary>
    public static ModelRequest For(Prompts.RenderedPrompt prompt, int samples = 1, CallTags? tags = null, int? sampleOffset = null, ModelSettings? settings = null)
        => new(prompt.Messages, samples, sampleOffset, settings, tags, prompt.Name);

    /// <summary>A single user message (completion-style use).</summary>
    public static ModelRequest ForText(string userText, int samples = 1, CallTags? tags = null)
        => new([PromptMessage.User(userText)], samples, null, null, tags);
}

/// <summary>Tokens of a call. For replay and scripted models they are counted with the model's tokenizer (<see cref="ModelDefinition.Tokenizer"/>).</summary>
public readonly record struct TokenUsage(long InputTokens, long OutputTokens)
{
    public long TotalTokens => InputTokens + OutputTokens;
    public static TokenUsage operator +(TokenUsage a, TokenUsage b) => new(a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens);
}

/// <summary>What went wrong with a call, after retries.</summary>
public enum ModelErrorKind
{
    /// <summary>HTTP 429 still returned after the last retry.</summary>
    RateLimited,
    /// <summary>HTTP 5xx after the last retry.</summary>
    ServerError,
    /// <summary>Every attempt ran past the time limit.</summary>
    Timeout,
    /// <summary>The server could not be reached.</summary>
    Network,
    /// <summary>The server answered something that is not a valid completion (malformed JSON, no choices).</summary>
    InvalidResponse,
    /// <summary>HTTP 4xx other than 408/429: bad request, unauthorised, unknown model; not retried.</summary>
    Rejected,
    /// <summary>The spending gate refused the call (budget reached); no call was made.</summary>
    BudgetExceeded,
    /// <summary>
    /// The provider's circuit breaker is open after repeated permanent rejections (a wrong model name, a refused key):
    /// no call was made. The message names the last rejection; a run stops on it.
    /// </summary>
    CircuitOpen,
    /// <summary>Anything else.</summary>
    Unknown,
}

/// <summary>A failure that a stage can record and handle; it never contains an API key.</summary>
public sealed record ModelError(ModelErrorKind Kind, string Message, int? StatusCode = null, int Attempts = 1);

/// <summary>One sample of a response. A bad or empty answer is a sample like any other.</summary>
public sealed record ModelSample(int Index, string Text, string? FinishReason = null, bool FromCache = false, ModelError? Error = null)
{
    public bool Succeeded => Error is null;
    public bool IsEmpty => string.IsNullOrWhiteSpace(Text);
}

/// <summary>
/// The answer to a <see cref="ModelRequest"/>. Failures after retries are carried in <see cref="Error"/> and in the
/// samples' <see cref="ModelSample.Error"/>; they are never thrown (use <see cref="EnsureSuccess"/> to throw).
/// </summary>
public sealed record ModelResponse
{
    /// <summary>Logical model name (the key under <c>models:</c>).</summary>
    public required string Model { get; init; }
    /// <summary>Provider entry name (e.g. <c>openai</c>, <c>ollama</c>, <c>scripted</c>).</summary>
    public required string Provider { get; init; }
    /// <summary>Provider's model id (e.g. <c>gpt-4o-mini</c>).</summary>
    public required string ModelId { get; init; }
    public required ImmutableArray<ModelSample> Samples { get; init; }
    /// <summary>Tokens billed by the calls this request made (cache hits cost nothing).</summary>
    public TokenUsage Usage { get; init; }
    /// <summary>Tokens recorded for the samples served from the cache (what they cost when first made).</summary>
    public TokenUsage CachedUsage { get; init; }
    /// <summary>Cost of <see cref="Usage"/> in the configured currency (0 without prices).</summary>
    public decimal Cost { get; init; }
    public TimeSpan Latency { get; init; }
    /// <summary>Number of HTTP (or backend) calls made, not counting retries.</summary>
    public int Calls { get; init; }
    /// <summary>Number of attempts made, counting retries.</summary>
    public int Attempts { get; init; }
    /// <summary>Of <see cref="Calls"/>, those that failed after their retries (their samples carry the error).</summary>
    public int FailedCalls { get; init; }
    public int CachedSamples { get; init; }
    public bool FromCache => Samples.Length > 0 && CachedSamples == Samples.Length;
    /// <summary>First error among the samples; <c>null</c> when every sample succeeded.</summary>
    public ModelError? Error => Samples.FirstOrDefault(s => s.Error is not null)?.Error;
    public bool Succeeded => Error is null;
    /// <summary>Samples that carry an error (lost to the caller).</summary>
    public int FailedSamples => Samples.Count(s => s.Error is not null);
    /// <summary>The sample texts in order (failed samples are empty strings).</summary>
    public IReadOnlyList<string> Texts => Samples.Select(s => s.Text).ToArray();
    public string? Text => Samples.Length > 0 ? Samples[0].Text : null;

    public ModelResponse EnsureSuccess()
    {
        if (Error is { } e) throw new ModelCallFailedException(Model, e);
        return this;
    }
}

/// <summary>A client for one configured model.</summary>
public interface IModelClient
{
    /// <summary>The resolved definition of the model (no secrets in it).</summary>
    ModelDefinition Definition { get; }

    /// <summary>
    /// Returns <paramref name="request"/>.Samples samples. Throws only for cancellation, invalid requests,
    /// configuration errors and replay/scripted pool errors (<see cref="ModelException"/>); call failures are in the response.
    /// </summary>
    Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Base of the exceptions of the model layer.</summary>
public class ModelException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Thrown by <see cref="ModelResponse.EnsureSuccess"/>.</summary>
public sealed class ModelCallFailedException(string model, ModelError error)
    : ModelException($"model '{model}': {error.Kind}: {error.Message}")
{
    public string ModelName { get; } = model;
    public ModelError Error { get; } = error;
}

/// <summary>A model is configured wrongly: names the model and the offending key.</summary>
public sealed class ModelConfigurationException(string modelName, string? key, string message)
    : ModelException(key is null ? $"model '{modelName}': {message}" : $"model '{modelName}', setting '{key}': {message}")
{
    public string ModelName { get; } = modelName;
    public string? Key { get; } = key;
}

/// <summary>The recorded pool of a replay model cannot serve a request (unknown prompt, or too few samples).</summary>
public sealed class ReplayPoolException(string modelName, string message) : ModelException($"replay model '{modelName}': {message}")
{
    public string ModelName { get; } = modelName;
}

/// <summary>A scripted model has no answer for a request (no rule matched and no default, or a rule ran out with on_exhausted: fail).</summary>
public sealed class ScriptExhaustedException(string modelName, string message) : ModelException($"scripted model '{modelName}': {message}")
{
    public string ModelName { get; } = modelName;
}
