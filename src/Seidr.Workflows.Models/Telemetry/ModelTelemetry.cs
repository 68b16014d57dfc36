using System.Diagnostics;
using System.Diagnostics.Metrics;
using Seidr.Workflows.Models.Configuration;

namespace Seidr.Workflows.Models.Telemetry;

/// <summary>
/// OpenTelemetry instrumentation following the GenAI semantic conventions: one CLIENT span
/// <c>chat {gen_ai.request.model}</c> per backend call (retries included), the histograms
/// <c>gen_ai.client.operation.duration</c> (s) and <c>gen_ai.client.token.usage</c> ({token}, by <c>gen_ai.token.type</c>),
/// plus <c>seidr.model.cache.hits</c> and <c>seidr.model.cost</c>. Prompt and answer texts are never recorded.
/// </summary>
public static class ModelTelemetry
{
    /// <summary>Name of the <see cref="ActivitySource"/> and the <see cref="Meter"/>: add it to a tracer/meter provider.</summary>
    public const string SourceName = "Seidr.Workflows.Models";

    internal static readonly ActivitySource Source = new(SourceName, "1.0.0");
    internal static readonly Meter Meter = new(SourceName, "1.0.0");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "gen_ai.client.operation.duration", "s", "GenAI operation duration",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });

    internal static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", "{token}", "Measures number of input and output tokens used",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });

    internal static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("seidr.model.cache.hits", "{sample}", "Samples served from the response cache");
    internal static readonly Counter<double> Cost = Meter.CreateCounter<double>("seidr.model.cost", "{currency}", "Cost of model calls at the configured prices");

    internal static string ProviderName(ProviderKind kind) => kind switch
    {
        ProviderKind.OpenAI => "openai",
        ProviderKind.AzureOpenAI => "azure.ai.openai",
        ProviderKind.Ollama => "ollama",
        ProviderKind.OpenAICompatible => "openai",
        _ => "seidr." + ModelCatalog.KindName(kind),
    };

    internal static Activity? StartCall(ModelDefinition model, ModelSettings settings, int count, CallTags tags, string? promptName)
    {
        var operation = Operation(model);
        var activity = Source.StartActivity($"{operation} {model.ModelId}", ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.provider.name", ProviderName(model.Kind));
        activity.SetTag("gen_ai.request.model", model.ModelId);
        if (settings.Temperature is { } t) activity.SetTag("gen_ai.request.temperature", t);
        if (settings.TopP is { } p) activity.SetTag("gen_ai.request.top_p", p);
        if (settings.MaxTokens is { } m) activity.SetTag("gen_ai.request.max_tokens", m);
        if (settings.Seed is { } s) activity.SetTag("gen_ai.request.seed", s);
        if (settings.Stop is { } stop) activity.SetTag("gen_ai.request.stop_sequences", stop.ToArray());
        if (count != 1) activity.SetTag("gen_ai.request.choice.count", count);
        if (model.Provider.BaseUrl is { } url)
        {
            activity.SetTag("server.address", url.Host);
            activity.SetTag("server.port", url.Port);
        }
        activity.SetTag("seidr.model", model.Name);
        activity.SetTag("seidr.provider", model.Provider.Name);
        if (promptName is not null) activity.SetTag("seidr.prompt", promptName);
        if (tags.RunId is not null) activity.SetTag("seidr.run.id", tags.RunId);
        if (tags.VariantId is not null) activity.SetTag("seidr.variant.id", tags.VariantId);
        if (tags.Stage is not null) activity.SetTag("seidr.stage", tags.Stage);
        if (tags.ProblemId is not null) activity.SetTag("seidr.problem.id", tags.ProblemId);
        return activity;
    }

    internal static void EndCall(Activity? activity, ModelDefinition model, TimeSpan duration, long inputTokens, long outputTokens,
        string? responseModel, IEnumerable<string?> finishReasons, int attempts, ModelErrorKind? error)
    {
        var common = new TagList
        {
            { "gen_ai.operation.name", Operation(model) },
            { "gen_ai.provider.name", ProviderName(model.Kind) },
            { "gen_ai.request.model", model.ModelId },
        };
        if (responseModel is not null) common.Add("gen_ai.response.model", responseModel);
        if (model.Provider.BaseUrl is { } url) common.Add("server.address", url.Host);
        var durationTags = common;
        if (error is { } e) durationTags.Add("error.type", ErrorType(e));
        Duration.Record(duration.TotalSeconds, durationTags);
        if (error is null)
        {
            var input = common; input.Add("gen_ai.token.type", "input");
            var output = common; output.Add("gen_ai.token.type", "output");
            TokenUsage.Record(inputTokens, input);
            TokenUsage.Record(outputTokens, output);
        }

        if (activity is null) return;
        if (responseModel is not null) activity.SetTag("gen_ai.response.model", responseModel);
        activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
        activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
        var reasons = finishReasons.Where(r => r is not null).Select(r => r!).ToArray();
        if (reasons.Length > 0) activity.SetTag("gen_ai.response.finish_reasons", reasons);
        activity.SetTag("seidr.attempts", attempts);
        if (error is { } err)
        {
            activity.SetTag("error.type", ErrorType(err));
            activity.SetStatus(ActivityStatusCode.Error, err.ToString());
        }
    }

    internal static string Operation(ModelDefinition model) => model.Api == ModelApi.Completions ? "text_completion" : "chat";

    internal static string ErrorType(ModelErrorKind kind) => kind switch
    {
        ModelErrorKind.Timeout => "timeout",
        ModelErrorKind.RateLimited => "rate_limited",
        ModelErrorKind.ServerError => "server_error",
        ModelErrorKind.Network => "network",
        ModelErrorKind.InvalidResponse => "invalid_response",
        ModelErrorKind.Rejected => "rejected",
        ModelErrorKind.BudgetExceeded => "budget_exceeded",
        ModelErrorKind.CircuitOpen => "circuit_open",
        _ => "_OTHER",
    };
}
