using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Seidr.Workflows.Models.Providers;

namespace Seidr.Workflows.Models.Resilience;

/// <summary>
/// Everything shared by the models of one provider entry: the HTTP connection pool, the limit on calls in flight,
/// the tokens-per-minute limit and the Polly pipeline (retry with backoff and Retry-After, then the concurrency
/// limiter, then a timeout per attempt).
/// </summary>
internal sealed class ProviderRuntime : IDisposable
{
    private static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("seidr.timeout");
    private static readonly ResiliencePropertyKey<AttemptCounter> AttemptsKey = new("seidr.attempts");
    private readonly ConcurrencyLimiter _concurrency;
    private readonly ResiliencePipeline<BackendResult> _pipeline;
    private readonly Lazy<HttpClient> _http;

    public ProviderRuntime(ProviderDefinition definition, TimeProvider time, ILogger logger)
    {
        Definition = definition;
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = definition.MaxConcurrency,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        TokenLimiter = definition.TokensPerMinute is { } tpm ? new TokenRateLimiter(tpm, time) : null;

        var builder = new ResiliencePipelineBuilder<BackendResult> { TimeProvider = time };
        if (definition.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<BackendResult>
            {
                MaxRetryAttempts = definition.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = definition.RetryBaseDelay,
                MaxDelay = definition.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && !args.Context.CancellationToken.IsCancellationRequested && ErrorClassifier.Classify(e).Transient),
                DelayGenerator = args =>
                {
                    if (args.Outcome.Exception is not { } e) return ValueTask.FromResult<TimeSpan?>(null);
                    var c = ErrorClassifier.Classify(e);
                    if (c.RetryAfter is { } after)
                        return ValueTask.FromResult<TimeSpan?>(after > definition.MaxRetryDelay ? definition.MaxRetryDelay : after);
                    // A connection that ended before any answer is most often one the server had already closed (servers
                    // that close after each answer, idle timeouts): the first retry goes at once, on a new connection.
                    if (c.Kind == ModelErrorKind.Network && args.AttemptNumber == 0) return ValueTask.FromResult<TimeSpan?>(TimeSpan.Zero);
                    return ValueTask.FromResult<TimeSpan?>(null);
                },
                OnRetry = args =>
                {
                    var c = ErrorClassifier.Classify(args.Outcome.Exception!);
                    // A first reconnect is routine (servers close idle or used connections): the log file has it; the user
                    // hears of retries that say something about the server.
                    logger.Log(c.Kind == ModelErrorKind.Network && args.AttemptNumber == 0 ? LogLevel.Information : LogLevel.Warning,
                        "provider {Provider}: {Kind} ({Message}); retry {Attempt} in {Delay} ms",
                        definition.Name, c.Kind, c.Message, args.AttemptNumber + 1, (int)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddRateLimiter(_concurrency);
        if (definition.StopAfterRejections > 0)
        {
            // Inside the concurrency limiter, so a call queued for a permit meets an open circuit when its turn comes
            // (outside it, 160 queued calls had all passed a closed breaker and went out after it opened). Only
            // permanent rejections count as failures (and are never retried): a server that is down or slow is the
            // retries' business, a wrong model name or key is not.
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<BackendResult>
            {
                FailureRatio = 0.5,
                MinimumThroughput = Math.Max(2, definition.StopAfterRejections),
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromMinutes(5),
                ShouldHandle = args =>
                {
                    if (args.Outcome.Exception is not { } e || args.Context.CancellationToken.IsCancellationRequested) return ValueTask.FromResult(false);
                    var c = ErrorClassifier.Classify(e is AttemptsExhaustedException x ? x.InnerException! : e);
                    if (c.Permanent) (LastRejection, LastRejectionStatus) = (c.Message, c.Status);
                    return ValueTask.FromResult(c.Permanent);
                },
                OnOpened = args =>
                {
                    logger.LogWarning("provider {Provider}: calls stopped after repeated rejections; the last: {Message}", definition.Name, LastRejection);
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.TryGetValue(TimeoutKey, out var t) ? t : definition.Timeout),
        });
        _pipeline = builder.Build();

        _http = new Lazy<HttpClient>(() =>
        {
            var handler = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = Math.Max(definition.MaxConcurrency, 2),
                AutomaticDecompression = System.Net.DecompressionMethods.All,
            };
            var client = new HttpClient(new ClosedConnectionHandler(handler, logger)) { Timeout = Timeout.InfiniteTimeSpan };
            if (definition.Kind == ProviderKind.Ollama && definition.BaseUrl is not null) client.BaseAddress = definition.BaseUrl;
            return client;
        });
    }

    public ProviderDefinition Definition { get; }
    public TokenRateLimiter? TokenLimiter { get; }

    /// <summary>The last permanent rejection seen (what an open circuit reports), or null.</summary>
    public string? LastRejection { get; private set; }

    /// <summary>The HTTP status of <see cref="LastRejection"/>.</summary>
    public int? LastRejectionStatus { get; private set; }
    public HttpClient Http => _http.Value;

    private sealed class AttemptCounter { public int Count; }

    /// <summary>Runs <paramref name="call"/> through the pipeline; returns the result and the number of attempts. Throws the last error.</summary>
    public async Task<(BackendResult Result, int Attempts)> ExecuteAsync(
        Func<CancellationToken, Task<BackendResult>> call, long estimatedTokens, TimeSpan? timeout, CancellationToken ct)
    {
        var context = ResilienceContextPool.Shared.Get(ct);
        var counter = new AttemptCounter();
        context.Properties.Set(AttemptsKey, counter);
        if (timeout is { } t) context.Properties.Set(TimeoutKey, t);
        try
        {
            var result = await _pipeline.ExecuteAsync(async (ctx, state) =>
            {
                Interlocked.Increment(ref state.counter.Count);
                var reservation = state.self.TokenLimiter is { } limiter
                    ? await limiter.AcquireAsync(state.estimatedTokens, ctx.CancellationToken).ConfigureAwait(false)
                    : null;
                // A failed attempt may or may not have been billed: its estimate stays in the window.
                var r = await state.call(ctx.CancellationToken).ConfigureAwait(false);
                reservation?.Settle(r.InputTokens + r.OutputTokens is > 0 and var used ? used : state.estimatedTokens);
                return r;
            }, context, (self: this, call, estimatedTokens, counter)).ConfigureAwait(false);
            return (result, counter.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw new AttemptsExhaustedException(e, counter.Count);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Dispose()
    {
        _concurrency.Dispose();
        if (_http.IsValueCreated) _http.Value.Dispose();
    }
}

/// <summary>The last error of a call after every retry.</summary>
internal sealed class AttemptsExhaustedException(Exception last, int attempts) : Exception(last.Message, last)
{
    public int Attempts { get; } = attempts;
}
