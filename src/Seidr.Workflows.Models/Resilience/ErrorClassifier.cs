using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.SemanticKernel;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using Seidr.Workflows.Models.Providers;

namespace Seidr.Workflows.Models.Resilience;

internal readonly record struct Classified(ModelErrorKind Kind, int? Status, bool Transient, TimeSpan? RetryAfter, string Message)
{
    /// <summary>A rejection that will not change by asking again (a 4xx other than 408 and 429): what the circuit breaker counts.</summary>
    public bool Permanent => Kind == ModelErrorKind.Rejected && Status is >= 400 and < 500;
}

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
            case BrokenCircuitException:
                return new(ModelErrorKind.CircuitOpen, null, false, null, Clean(e.Message));
            // A malformed or truncated answer is a server under load more often than a server that never answers
            // well: it is retried, and fails for good only when every attempt gets one.
            case InvalidModelResponseException or JsonException or FormatException:
                return new(ModelErrorKind.InvalidResponse, null, true, null, Clean(e.Message));
            case HttpOperationException h:
                // Status 0 means no HTTP answer at all (a reset, a refused or dropped connection): the inner
                // exception says which. Taken as a status, it was a permanent "HTTP 0" and was never retried, which
                // lost every sample whose connection the server closed early (the lost-samples defect).
                if (h.InnerException is ClientResultException cre) return Classify(cre);
                if (h.StatusCode is { } sc) return FromStatus((int)sc, null, h.Message);
                if (h.InnerException is not null) return Classify(h.InnerException);
                return new(ModelErrorKind.Unknown, null, false, null, Clean(h.Message));
            case ClientResultException c:
                if (c.Status == 0)
                    return c.InnerException is not null ? Classify(c.InnerException) : new(ModelErrorKind.Network, null, true, null, Clean(c.Message));
                return FromStatus(c.Status, RetryAfterOf(c), c.Message);
            case HttpRequestException r:
                if (r.StatusCode is { } status) return FromStatus((int)status, null, r.Message);
                return new(ModelErrorKind.Network, null, true, null, Clean(Innermost(r)));
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

    /// <summary>"An error occurred while sending the request" says little; what happened is the innermost cause.</summary>
    private static string Innermost(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return ReferenceEquals(inner, e) ? e.Message : $"{e.Message.TrimEnd('.')}: {inner.Message}";
    }

    /// <summary>Keeps messages short and on one line. Messages from the SDKs carry no credentials.</summary>
    private static string Clean(string message)
    {
        var s = message.ReplaceLineEndings(" ");
        return s.Length <= 400 ? s : s[..397] + "...";
    }
}
