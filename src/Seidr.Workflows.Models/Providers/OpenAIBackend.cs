using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;
using OpenAI.Chat;

namespace Seidr.Workflows.Models.Providers;

/// <summary>
/// OpenAI, Azure OpenAI (v1 API) and OpenAI-compatible servers. One sample per call goes through Semantic Kernel's
/// <see cref="OpenAIChatCompletionService"/>; several samples in one call (<c>n</c>) go through the same
/// <see cref="OpenAIClient"/>'s protocol method, because the connector returns only the first choice.
/// The SDK's own retries are switched off: retries, timeouts and limits are the layer's Polly pipeline.
/// </summary>
internal sealed class OpenAIBackend : IModelBackend
{
    private readonly ModelDefinition _model;
    private readonly OpenAIClient _client;
    private readonly OpenAIChatCompletionService _chat;

    public OpenAIBackend(ModelDefinition model, string? apiKey, HttpClient http)
    {
        _model = model;
        var options = new OpenAIClientOptions
        {
            Endpoint = EndpointOf(model.Provider),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
            Transport = new HttpClientPipelineTransport(http),
            UserAgentApplicationId = "seidr-workflows",
        };
        if (model.Kind == ProviderKind.AzureOpenAI && apiKey is not null)
            options.AddPolicy(new HeaderPolicy("api-key", apiKey), PipelinePosition.PerCall);
        // Servers without authentication (local Ollama, vLLM) still need a non-empty credential for the SDK.
        _client = new OpenAIClient(new ApiKeyCredential(apiKey ?? "no-key"), options);
        _chat = new OpenAIChatCompletionService(model.ModelId, _client);
    }

    public bool SupportsMultipleSamples => _model.Provider.SupportsN;

    internal static Uri EndpointOf(ProviderDefinition p)
    {
        var url = p.BaseUrl ?? new Uri("https://api.openai.com/v1/");
        if (p.Kind == ProviderKind.AzureOpenAI && url.AbsolutePath is "/" or "")
            url = new Uri(url, "/openai/v1/");
        return url;
    }

    public async Task<BackendResult> GenerateAsync(BackendCall call, CancellationToken ct)
    {
        if (_model.Api == ModelApi.Completions) return await ViaCompletionsAsync(call, ct).ConfigureAwait(false);
        return call.Count == 1 ? await ViaSemanticKernelAsync(call, ct).ConfigureAwait(false) : await ViaProtocolAsync(call, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST {base}/completions</c> through the OpenAI client's pipeline (same transport, authentication and
    /// headers; the SDK has no public client for this endpoint, which code models served by vLLM or llama.cpp use).
    /// </summary>
    private async Task<BackendResult> ViaCompletionsAsync(BackendCall call, CancellationToken ct)
    {
        var s = call.Settings;
        var body = new JsonObject
        {
            ["model"] = _model.ModelId,
            ["prompt"] = CompletionPrompt.Of(call.Messages),
        };
        if (call.Count > 1) body["n"] = call.Count;
        if (s.Temperature is { } t) body["temperature"] = t;
        if (s.TopP is { } p) body["top_p"] = p;
        if (s.MaxTokens is { } mt) body["max_tokens"] = mt;
        if (s.Stop is { } stop) body["stop"] = new JsonArray(stop.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray());
        if (s.Seed is { } seed) body["seed"] = seed;

        var endpoint = _client.Endpoint.ToString();
        var message = _client.Pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = new Uri(endpoint.TrimEnd('/') + "/completions");
        message.Request.Headers.Set("Content-Type", "application/json");
        message.Request.Headers.Set("Accept", "application/json");
        message.Request.Content = System.ClientModel.BinaryContent.Create(BinaryData.FromString(body.ToJsonString()));
        message.Apply(new RequestOptions { CancellationToken = ct });
        message.ResponseClassifier = PipelineMessageClassifier.Create([200]);
        await _client.Pipeline.SendAsync(message).ConfigureAwait(false);
        var response = message.Response ?? throw new InvalidModelResponseException("no response");
        if (response.IsError) throw new ClientResultException(response);
        return ParseChatCompletion(response.Content.ToString());
    }

    private async Task<BackendResult> ViaSemanticKernelAsync(BackendCall call, CancellationToken ct)
    {
        var history = new ChatHistory();
        foreach (var m in call.Messages)
        {
            switch (m.Role)
            {
                case MessageRole.System: history.AddSystemMessage(m.Content); break;
                case MessageRole.Assistant: history.AddAssistantMessage(m.Content); break;
                default: history.AddUserMessage(m.Content); break;
            }
        }
        var s = call.Settings;
        var settings = new OpenAIPromptExecutionSettings
        {
            Temperature = s.Temperature,
            TopP = s.TopP,
            MaxTokens = s.MaxTokens,
            StopSequences = s.Stop is { } stop ? [.. stop] : null,
            Seed = s.Seed,
        };
        // SK sends max_completion_tokens; OpenAI-compatible servers (llama.cpp, LM Studio, older vLLM) read max_tokens.
        if (_model.Kind == ProviderKind.OpenAICompatible && s.MaxTokens is { } limit)
            settings.ExtraBody = new Dictionary<string, object?> { ["max_tokens"] = limit };
        var results = await _chat.GetChatMessageContentsAsync(history, settings, kernel: null, ct).ConfigureAwait(false);
        if (results.Count == 0) throw new InvalidModelResponseException("the server returned no choices");
        var message = results[0];
        long input = 0, output = 0;
        if (message.Metadata?.TryGetValue("Usage", out var u) == true && u is ChatTokenUsage usage)
        {
            input = usage.InputTokenCount;
            output = usage.OutputTokenCount;
        }
        string? finish = message.Metadata?.TryGetValue("FinishReason", out var f) == true ? f?.ToString() : null;
        return new BackendResult([new BackendSample(message.Content ?? "", NormalizeFinish(finish))], input, output, message.ModelId);
    }

    private async Task<BackendResult> ViaProtocolAsync(BackendCall call, CancellationToken ct)
    {
        var s = call.Settings;
        var body = new JsonObject
        {
            ["model"] = _model.ModelId,
            ["messages"] = new JsonArray(call.Messages.Select(m => (JsonNode)new JsonObject
            {
                ["role"] = m.Role.ToString().ToLowerInvariant(),
                ["content"] = m.Content,
            }).ToArray()),
            ["n"] = call.Count,
        };
        if (s.Temperature is { } t) body["temperature"] = t;
        if (s.TopP is { } p) body["top_p"] = p;
        if (s.MaxTokens is { } mt) body[_model.Kind == ProviderKind.OpenAICompatible ? "max_tokens" : "max_completion_tokens"] = mt;
        if (s.Stop is { } stop) body["stop"] = new JsonArray(stop.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray());
        if (s.Seed is { } seed) body["seed"] = seed;

        var chat = _client.GetChatClient(_model.ModelId);
        var result = await chat.CompleteChatAsync(System.ClientModel.BinaryContent.Create(BinaryData.FromString(body.ToJsonString())),
            new RequestOptions { CancellationToken = ct }).ConfigureAwait(false);
        return ParseChatCompletion(result.GetRawResponse().Content.ToString());
    }

    internal static BackendResult ParseChatCompletion(string json)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new InvalidModelResponseException("the server's answer is not valid JSON", e); }
        if (root?["choices"] is not JsonArray choices || choices.Count == 0)
            throw new InvalidModelResponseException("the server's answer has no choices");
        var samples = choices
            .OrderBy(c => c?["index"]?.GetValue<int>() ?? 0)
            .Select(c => new BackendSample(
                c?["message"]?["content"]?.GetValue<string>() ?? c?["text"]?.GetValue<string>() ?? "",
                NormalizeFinish(c?["finish_reason"]?.GetValue<string>())))
            .ToList();
        var usage = root["usage"];
        long input = usage?["prompt_tokens"]?.GetValue<long>() ?? 0;
        long output = usage?["completion_tokens"]?.GetValue<long>() ?? 0;
        return new BackendResult(samples, input, output, root["model"]?.GetValue<string>());
    }

    private static string? NormalizeFinish(string? reason) => reason?.ToLowerInvariant() switch
    {
        null or "" => null,
        "length" => "length",
        "stop" => "stop",
        "contentfilter" or "content_filter" => "content_filter",
        "toolcalls" or "tool_calls" => "tool_calls",
        var other => other,
    };

    public void Dispose() { }

    private sealed class HeaderPolicy(string name, string value) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
