using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;

namespace Seidr.Workflows.Models.Providers;

/// <summary>Ollama's native <c>/api/chat</c> through OllamaSharp (one sample per call; no <c>n</c>).</summary>
internal sealed class OllamaBackend : IModelBackend
{
    private readonly ModelDefinition _model;
    private readonly OllamaApiClient _client;

    public OllamaBackend(ModelDefinition model, HttpClient http)
    {
        _model = model;
        _client = new OllamaApiClient(http, model.ModelId);
    }

    public bool SupportsMultipleSamples => false;

    private static RequestOptions Options(ModelSettings s) => new()
    {
        Temperature = (float?)s.Temperature,
        TopP = (float?)s.TopP,
        NumPredict = s.MaxTokens,
        Stop = s.Stop is { } stop ? [.. stop] : null,
        Seed = s.Seed is { } seed ? unchecked((int)seed) : null,
    };

    public async Task<BackendResult> GenerateAsync(BackendCall call, CancellationToken ct)
    {
        if (_model.Api == ModelApi.Completions) return await ViaGenerateAsync(call, ct).ConfigureAwait(false);
        var s = call.Settings;
        var request = new ChatRequest
        {
            Model = _model.ModelId,
            Stream = false,
            Messages = call.Messages.Select(m => new Message(m.Role switch
            {
                MessageRole.System => ChatRole.System,
                MessageRole.Assistant => ChatRole.Assistant,
                _ => ChatRole.User,
            }, m.Content)).ToList(),
            Options = Options(s),
        };
        var text = new System.Text.StringBuilder();
        ChatDoneResponseStream? done = null;
        string? model = null;
        await foreach (var part in _client.ChatAsync(request, ct).ConfigureAwait(false))
        {
            if (part is null) continue;
            model ??= part.Model;
            if (part.Message?.Content is { } c) text.Append(c);
            if (part is ChatDoneResponseStream d) done = d;
        }
        if (done is null && text.Length == 0) throw new InvalidModelResponseException("Ollama returned no message");
        return new BackendResult([new BackendSample(text.ToString(), done?.DoneReason)], done?.PromptEvalCount ?? 0, done?.EvalCount ?? 0, model);
    }

    /// <summary><c>/api/generate</c> with <c>raw: true</c>: the prompt goes to the model without its chat template.</summary>
    private async Task<BackendResult> ViaGenerateAsync(BackendCall call, CancellationToken ct)
    {
        var request = new GenerateRequest
        {
            Model = _model.ModelId,
            Prompt = CompletionPrompt.Of(call.Messages),
            Raw = true,
            Stream = false,
            Options = Options(call.Settings),
        };
        var text = new System.Text.StringBuilder();
        GenerateDoneResponseStream? done = null;
        string? model = null;
        await foreach (var part in _client.GenerateAsync(request, ct).ConfigureAwait(false))
        {
            if (part is null) continue;
            model ??= part.Model;
            text.Append(part.Response);
            if (part is GenerateDoneResponseStream d) done = d;
        }
        if (done is null && text.Length == 0) throw new InvalidModelResponseException("Ollama returned no text");
        return new BackendResult([new BackendSample(text.ToString(), done?.DoneReason)], done?.PromptEvalCount ?? 0, done?.EvalCount ?? 0, model);
    }

    // The HttpClient belongs to the provider runtime; OllamaApiClient does not own it.
    public void Dispose() { }
}
