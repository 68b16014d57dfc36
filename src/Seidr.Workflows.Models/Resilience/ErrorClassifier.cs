using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.SemanticKernel;
using Polly.RateLimiting;
using Polly.Timeout;
using Seidr.Workflows.Models.Providers;

namespace Seidr.Workflows.Models.Resilience;

internal readonly record struct Classified(ModelErrorKind Kind, int? Status, bool Transient, TimeSpan? RetryAfter, string Message);

/// <summary>Maps provider exceptions to <see cref="ModelErrorKind"/>: 429, 408, 5xx, timeouts and network errors are transient.</summary>
internal static class ErrorClassifier
{
    public static Classified Classify(Exception e)
    {
        switch (e)
        {
            case TimeoutRejectedException t:
                return new(ModelErrorKind.Timeout, null, true, null, $"no answer within {t.Timeout.TotalSeconds:0.###} s");
            case RateLimiterRejectedException:
                return new(ModelErrorKind.RateLimited, null, true, null, "local rate limiter rejected the call");
            case InvalidModelResponseException or JsonException or FormatException:
                return new(ModelErrorKind.InvalidResponse, null, false, null, Clean(e.Message));
            case HttpOperationException h:
                if (h.InnerException is ClientResultException cre) return FromStatus(cre.Status, RetryAfterOf(cre), h.Message);
                if (h.StatusCode is { } sc) return FromStatus((int)sc, null, h.Message);
                if (h.InnerException is not null) return Classify(h.InnerException);
                return new(ModelErrorKind.Unknown, null, false, null, Clean(h.Message));
            case ClientResultException c:
                if (c.Status == 0)
                    return c.InnerException is not null ? Classify(c.InnerException) : new(ModelErrorKind.Network, null, true, null, Clean(c.Message));
                return FromStatus(c.Status, RetryAfterOf(c), c.Message);
            case HttpRequestException r:
                if (r.StatusCode is { } status) return FromStatus((int)status, null, r.Message);
                return new(ModelErrorKind.Network, null, true, null, Clean(r.Message));
            case IOException or System.Net.Sockets.SocketException:
                return new(ModelErrorKind.Network, null, true, null, Clean(e.Message));
            case KernelException k when k.InnerException is not null:
                return Classify(k.InnerException);
            case OllamaSharp.Models.Exceptions.OllamaException o:
                return new(ModelErrorKind.ServerError, null, false, null, Clean(o.Message));
            case InvalidOperationException or KeyNotFoundException or ArgumentOutOfRangeException or NullReferenceException:
                return new(ModelErrorKind.InvalidResponse, null, false, null, Clean(e.Message));
            default:
                return new(ModelErrorKind.Unknown, null, false, null, $"{e.GetType().Name}: {Clean(e.Message)}");
        }
    }

    private static Classified FromStatus(int status, TimeSpan? retryAfter, string message) => status switch
    {
        429 => new(ModelErrorKind.RateLimited, status, true, retryAfter, $"HTTP 429: {Clean(message)}"),
        408 => new(ModelErrorKind.Timeout, status, true, retryAfter, $"HTTP 408: {Clean(message)}"),
        >= 500 => new(ModelErrorKind.ServerError, status, true, retryAfter, $"HTTP {status}: {Clean(message)}"),
        _ => new(ModelErrorKind.Rejected, status, false, null, $"HTTP {status}: {Clean(message)}"),
    };

    /// <summary>Retry-After (seconds or HTTP date) or OpenAI's retry-after-ms.</summary>
    private static TimeSpan? RetryAfterOf(ClientResultException e)
    {
        var response = e.GetRawResponse();
        if (response is null) return null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 0)
            return TimeSpan.FromMilliseconds(m);
        if (response.Headers.TryGetValue("Retry-After", out var ra) && ra is not null)
        {
            if (double.TryParse(ra, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0) return TimeSpan.FromSeconds(s);
            if (DateTimeOffset.TryParse(ra, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var d = at - DateTimeOffset.UtcNow;
                return d > TimeSpan.Zero ? d : TimeSpan.Zero;
            }
        }
        return null;
    }

    /// <summary>Keeps messages short and on one line. Messages from the SDKs carry no credentials.</summary>
    private static string Clean(string message)
    {
        var s = message.ReplaceLineEndings(" ");
        return s.Length <= 400 ? s : s[..397] + "...";
    }
}
