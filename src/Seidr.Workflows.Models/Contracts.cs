using System.Collections.Immutable;

namespace Seidr.Workflows.Models;

/// <summary>Role of a message sent to a model.</summary>
public enum MessageRole
{
    /// <summary>Instructions that frame the conversation (sent as the system prompt).</summary>
    System,
    /// <summary>The task or question put to the model.</summary>
    User,
    /// <summary>A model's earlier answer, replayed in few-shot or multi-turn prompts.</summary>
    Assistant,
}

/// <summary>One rendered message (system, user or assistant turn).</summary>
/// <param name="Role">Who speaks the message.</param>
/// <param name="Content">The message text, already rendered.</param>
public sealed record PromptMessage(MessageRole Role, string Content)
{
    /// <summary>A system message with <paramref name="content"/>.</summary>
    public static PromptMessage System(string content) => new(MessageRole.System, content);
    /// <summary>A user message with <paramref name="content"/>.</summary>
    public static PromptMessage User(string content) => new(MessageRole.User, content);
    /// <summary>An assistant message with <paramref name="content"/> (an earlier answer in a few-shot prompt).</summary>
    public static PromptMessage Assistant(string content) => new(MessageRole.Assistant, content);
}

/// <summary>
/// Sampling settings of a model. Every value is optional; <c>null</c> means "the provider's default"
/// (or the value configured for the model when used as an override).
/// </summary>
public sealed record ModelSettings
{
    /// <summary>Sampling temperature: 0 for (near) greedy answers, higher for more varied samples.</summary>
    public double? Temperature { get; init; }
    /// <summary>Nucleus sampling: only the most likely tokens whose probabilities sum to this are drawn from.</summary>
    public double? TopP { get; init; }
    /// <summary>Most tokens one sample may generate; the provider stops the sample there.</summary>
    public int? MaxTokens { get; init; }
    /// <summary>Strings at which generation stops (for example the start of the next function in a completion).</summary>
    public ImmutableArray<string>? Stop { get; init; }
    /// <summary>Asks providers that support it for repeatable sampling.</summary>
    public long? Seed { get; init; }

    /// <summary>
    /// Samples asked for in one HTTP call (<c>n</c>) where the provider supports it; otherwise (or when 1)
    /// every sample is its own call and the calls run in parallel. Does not change the cache key.
    /// </summary>
    public int? SamplesPerCall { get; init; }

    /// <summary>Time limit of one attempt (one HTTP call). Does not change the cache key.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>No value set: every setting falls back to the model's configuration or the provider's default.</summary>
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
/// <param name="RunId">The run the call belongs to.</param>
/// <param name="VariantId">The variant (matrix cell) of the run.</param>
/// <param name="Stage">The workflow activity that made the call.</param>
/// <param name="ProblemId">The problem being worked on.</param>
public sealed record CallTags(string? RunId = null, string? VariantId = null, string? Stage = null, string? ProblemId = null)
{
    /// <summary>No tags: a call outside any run (tools, tests).</summary>
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
/// <param name="InputTokens">Prompt tokens.</param>
/// <param name="OutputTokens">Generated tokens.</param>
public readonly record struct TokenUsage(long InputTokens, long OutputTokens)
{
    /// <summary>Prompt and generated tokens together, what budgets and reports count.</summary>
    public long TotalTokens => InputTokens + OutputTokens;
    /// <summary>Adds usages up, for totals over calls.</summary>
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
/// <param name="Kind">What sort of failure it was, for handling and reports.</param>
/// <param name="Message">What the provider or client said, without secrets.</param>
/// <param name="StatusCode">The HTTP status of the last attempt, when there was one.</param>
/// <param name="Attempts">Attempts made before giving up, counting retries.</param>
public sealed record ModelError(ModelErrorKind Kind, string Message, int? StatusCode = null, int Attempts = 1);

/// <summary>One sample of a response. A bad or empty answer is a sample like any other.</summary>
/// <param name="Index">The sample's index for its prompt (its cache key and replay record).</param>
/// <param name="Text">The generated text; empty when the sample failed.</param>
/// <param name="FinishReason">Why generation stopped, as the provider said (<c>stop</c>, <c>length</c>); null when unknown.</param>
/// <param name="FromCache">Whether the sample was served from the response cache rather than a call.</param>
/// <param name="Error">The failure that cost this sample; null when it succeeded.</param>
public sealed record ModelSample(int Index, string Text, string? FinishReason = null, bool FromCache = false, ModelError? Error = null)
{
    /// <summary>Whether the sample was generated (an empty answer still succeeded).</summary>
    public bool Succeeded => Error is null;
    /// <summary>Whether the text is blank, which stages treat as no program.</summary>
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
    /// <summary>The samples in index order, failed ones included so indices stay aligned.</summary>
    public required ImmutableArray<ModelSample> Samples { get; init; }
    /// <summary>Tokens billed by the calls this request made (cache hits cost nothing).</summary>
    public TokenUsage Usage { get; init; }
    /// <summary>Tokens recorded for the samples served from the cache (what they cost when first made).</summary>
    public TokenUsage CachedUsage { get; init; }
    /// <summary>Cost of <see cref="Usage"/> in the configured currency (0 without prices).</summary>
    public decimal Cost { get; init; }
    /// <summary>Wall-clock time the request took, retries and waits for the rate limiter included.</summary>
    public TimeSpan Latency { get; init; }
    /// <summary>Number of HTTP (or backend) calls made, not counting retries.</summary>
    public int Calls { get; init; }
    /// <summary>Number of attempts made, counting retries.</summary>
    public int Attempts { get; init; }
    /// <summary>Of <see cref="Calls"/>, those that failed after their retries (their samples carry the error).</summary>
    public int FailedCalls { get; init; }
    /// <summary>Of <see cref="Samples"/>, those served from the response cache.</summary>
    public int CachedSamples { get; init; }
    /// <summary>Whether every sample came from the cache (no call was made).</summary>
    public bool FromCache => Samples.Length > 0 && CachedSamples == Samples.Length;
    /// <summary>First error among the samples; <c>null</c> when every sample succeeded.</summary>
    public ModelError? Error => Samples.FirstOrDefault(s => s.Error is not null)?.Error;
    /// <summary>Whether every sample succeeded.</summary>
    public bool Succeeded => Error is null;
    /// <summary>Samples that carry an error (lost to the caller).</summary>
    public int FailedSamples => Samples.Count(s => s.Error is not null);
    /// <summary>The sample texts in order (failed samples are empty strings).</summary>
    public IReadOnlyList<string> Texts => Samples.Select(s => s.Text).ToArray();
    /// <summary>The first sample's text, for requests of a single sample; null when there is none.</summary>
    public string? Text => Samples.Length > 0 ? Samples[0].Text : null;

    /// <summary>This response, for callers that treat any failed sample as fatal.</summary>
    /// <exception cref="ModelCallFailedException">A sample failed; carries the first error.</exception>
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
/// <param name="message">What went wrong, naming the model.</param>
/// <param name="inner">The underlying exception, if any.</param>
public class ModelException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Thrown by <see cref="ModelResponse.EnsureSuccess"/>.</summary>
/// <param name="model">The logical model name.</param>
/// <param name="error">The first error among the samples.</param>
public sealed class ModelCallFailedException(string model, ModelError error)
    : ModelException($"model '{model}': {error.Kind}: {error.Message}")
{
    /// <summary>The logical model name (the key under <c>models:</c>).</summary>
    public string ModelName { get; } = model;
    /// <summary>The failure, as the response carried it.</summary>
    public ModelError Error { get; } = error;
}

/// <summary>A model is configured wrongly: names the model and the offending key.</summary>
/// <param name="modelName">The model whose configuration is wrong.</param>
/// <param name="key">The offending setting; null when the model as a whole is at fault.</param>
/// <param name="message">What is wrong with it.</param>
public sealed class ModelConfigurationException(string modelName, string? key, string message)
    : ModelException(key is null ? $"model '{modelName}': {message}" : $"model '{modelName}', setting '{key}': {message}")
{
    /// <summary>The model whose configuration is wrong.</summary>
    public string ModelName { get; } = modelName;
    /// <summary>The offending setting (null: the model as a whole).</summary>
    public string? Key { get; } = key;
}

/// <summary>The recorded pool of a replay model cannot serve a request (unknown prompt, or too few samples).</summary>
/// <param name="modelName">The replay model.</param>
/// <param name="message">What the pool lacks.</param>
public sealed class ReplayPoolException(string modelName, string message) : ModelException($"replay model '{modelName}': {message}")
{
    /// <summary>The replay model whose pool fell short.</summary>
    public string ModelName { get; } = modelName;
}

/// <summary>A scripted model has no answer for a request (no rule matched and no default, or a rule ran out with on_exhausted: fail).</summary>
/// <param name="modelName">The scripted model.</param>
/// <param name="message">Which request found no answer.</param>
public sealed class ScriptExhaustedException(string modelName, string message) : ModelException($"scripted model '{modelName}': {message}")
{
    /// <summary>The scripted model that had no answer.</summary>
    public string ModelName { get; } = modelName;
}
