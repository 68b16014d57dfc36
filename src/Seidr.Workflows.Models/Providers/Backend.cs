namespace Seidr.Workflows.Models.Providers;

/// <summary>One call to a backend: <paramref name="Count"/> samples starting at sample index <paramref name="FirstSampleIndex"/>.</summary>
internal sealed record BackendCall(IReadOnlyList<PromptMessage> Messages, ModelSettings Settings, int FirstSampleIndex, int Count, CallTags Tags);

internal sealed record BackendSample(string Text, string? FinishReason);

/// <summary>What a backend returned. It may hold fewer samples than asked (a server that ignores <c>n</c>).</summary>
internal sealed record BackendResult(IReadOnlyList<BackendSample> Samples, long InputTokens, long OutputTokens, string? ResponseModel);

/// <summary>A provider's protocol. Throws on failure; the client classifies, retries and records.</summary>
internal interface IModelBackend : IDisposable
{
    /// <summary>Whether one call can return several samples (<c>n</c>).</summary>
    bool SupportsMultipleSamples { get; }

    /// <summary>Samples per call when the model sets no <c>samples_per_call</c>.</summary>
    int DefaultSamplesPerCall => 1;

    Task<BackendResult> GenerateAsync(BackendCall call, CancellationToken cancellationToken);
}

internal static class CompletionPrompt
{
    /// <summary>The text sent to a completion endpoint: one message as it is, several joined by blank lines.</summary>
    public static string Of(IReadOnlyList<PromptMessage> messages)
        => messages.Count == 1 ? messages[0].Content : string.Join("\n\n", messages.Select(m => m.Content));
}

/// <summary>The server's answer cannot be used (no choices, wrong shape).</summary>
internal sealed class InvalidModelResponseException(string message, Exception? inner = null) : Exception(message, inner);
