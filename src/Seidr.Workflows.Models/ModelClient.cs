using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Seidr.Workflows.Models.Accounting;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Models.Providers;
using Seidr.Workflows.Models.Resilience;
using Seidr.Workflows.Models.Telemetry;

namespace Seidr.Workflows.Models;

/// <summary>
/// The client of one model: cache lookup per sample, spending gate, splitting the missing samples into calls
/// (<c>n</c> per call where supported, else parallel calls), the provider's Polly pipeline, cache writes as soon as
/// a call returns (so a killed run resumes without repeating it), accounting and telemetry.
/// </summary>
internal sealed class ModelClient : IModelClient
{
    private readonly IModelBackend _backend;
    private readonly ProviderRuntime _runtime;
    private readonly ResponseCache? _cache;
    private readonly UsageLedger _ledger;
    private readonly Func<ModelDefinition, CallTags, string?>? _spendingGate;
    private readonly ILogger _logger;
    private readonly Dictionary<string, int> _nextOffset = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CachedSample?>> _inFlight = new(StringComparer.Ordinal);

    public ModelClient(ModelDefinition definition, IModelBackend backend, ProviderRuntime runtime, ResponseCache? cache,
        UsageLedger ledger, Func<ModelDefinition, CallTags, string?>? spendingGate, ILogger logger)
    {
        Definition = definition;
        _backend = backend;
        _runtime = runtime;
        _cache = definition.UseCache ? cache : null;
        _ledger = ledger;
        _spendingGate = spendingGate;
        _logger = logger;
    }

    public ModelDefinition Definition { get; }

    /// <summary>The run's caps, asked before a request that needs the provider.</summary>
    public RunBudgetGate? RunBudget { get; init; }

    public async Task<ModelResponse> CompleteAsync(ModelRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Messages is null || request.Messages.Count == 0) throw new ArgumentException("a request needs at least one message", nameof(request));
        if (request.Samples < 1) throw new ArgumentOutOfRangeException(nameof(request), $"Samples must be at least 1, got {request.Samples}");
        if (request.SampleOffset is < 0) throw new ArgumentOutOfRangeException(nameof(request), "SampleOffset must not be negative");
        cancellationToken.ThrowIfCancellationRequested();

        var started = Stopwatch.GetTimestamp();
        var settings = Definition.Settings.With(request.Settings);
        var tags = request.Tags ?? CallTags.None;
        var promptKey = ResponseCache.PromptKey(Definition.Provider.Name, Definition.ModelId, request.Messages, settings);
        int offset = request.SampleOffset ?? AllocateOffset(promptKey, request.Samples);
        int n = request.Samples;

        var samples = new ModelSample?[n];
        var cachedUsage = new TokenUsage();
        // A sample another flow is asking for right now is awaited, not asked again: run one after the other, the
        // second flow would have found it in the cache. Claimed before the cache lookup, so that no answer stored
        // between the two is missed.
        var claimed = new List<(string Key, TaskCompletionSource<CachedSample?> Answer)>();
        var shared = new List<(int Index, Task<CachedSample?> Answer)>();
        try
        {
            for (int i = 0; i < n && _cache is { Mode: CacheMode.ReadWrite }; i++)
            {
                var key = ResponseCache.SampleKey(promptKey, offset + i);
                var mine = new TaskCompletionSource<CachedSample?>(TaskCreationOptions.RunContinuationsAsynchronously);
                var answer = _inFlight.GetOrAdd(key, mine);
                if (ReferenceEquals(answer, mine)) claimed.Add((key, mine));
                else shared.Add((i, answer.Task));
            }
            var sharedIndices = shared.Select(s => s.Index).ToHashSet();
            if (_cache is not null)
            {
                for (int i = 0; i < n; i++)
                {
                    if (sharedIndices.Contains(i)) continue;
                    var key = ResponseCache.SampleKey(promptKey, offset + i);
                    var hit = await _cache.TryGetAsync(key, cancellationToken).ConfigureAwait(false);
                    if (hit is null) continue;
                    samples[i] = new ModelSample(offset + i, hit.Text, hit.FinishReason, FromCache: true);
                    cachedUsage += new TokenUsage(hit.InputTokens, hit.OutputTokens);
                    Publish(key, hit);
                }
                int hits = samples.Count(s => s is not null);
                if (hits > 0) ModelTelemetry.CacheHits.Add(hits, new KeyValuePair<string, object?>("seidr.model", Definition.Name));
            }
            foreach (var (i, answer) in shared)
            {
                // Null: the other flow's call failed or was cancelled. The cache is asked once more (an answer may
                // have been stored meanwhile), and failing that this request asks for the sample itself.
                var got = await answer.WaitAsync(cancellationToken).ConfigureAwait(false)
                    ?? await _cache!.TryGetAsync(ResponseCache.SampleKey(promptKey, offset + i), cancellationToken).ConfigureAwait(false);
                if (got is null) continue;
                samples[i] = new ModelSample(offset + i, got.Text, got.FinishReason, FromCache: true);
                cachedUsage += new TokenUsage(got.InputTokens, got.OutputTokens);
            }
            return await CompleteMissingAsync(request, settings, tags, promptKey, offset, samples, cachedUsage, started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Answers were published as they arrived; whatever is still claimed failed or was cancelled.
            foreach (var (key, answer) in claimed)
            {
                _inFlight.TryRemove(KeyValuePair.Create(key, answer));
                answer.TrySetResult(null);
            }
        }
    }

    private async Task<ModelResponse> CompleteMissingAsync(ModelRequest request, ModelSettings settings, CallTags tags, string promptKey, int offset,
        ModelSample?[] samples, TokenUsage cachedUsage, long started, CancellationToken cancellationToken)
    {
        int n = samples.Length;

        var usage = new TokenUsage();
        int calls = 0, attempts = 0, failedCalls = 0;
        var missing = Enumerable.Range(0, n).Where(i => samples[i] is null).ToList();
        if (missing.Count > 0)
        {
            string? refusal = _spendingGate?.Invoke(Definition, tags);
            RunBudgetGate.Reservation? reservation = null;
            if (refusal is null && RunBudget is { IsBounded: true } gate)
            {
                // The estimate errs high: the prompt as it is, and every sample as long as max_tokens allows (1,024
                // when unset), priced at the model's rates. A cap is then never passed by calls already in flight.
                var estimate = new TokenUsage(Definition.TokenCounter.Count(request.Messages) * (long)missing.Count, (settings.MaxTokens ?? 1024) * (long)missing.Count);
                reservation = gate.TryReserve(Definition.Pricing.CostOf(estimate), estimate.TotalTokens, out refusal);
            }
            if (refusal is not null)
            {
                var error = new ModelError(ModelErrorKind.BudgetExceeded, refusal, Attempts: 0);
                foreach (var i in missing) samples[i] = new ModelSample(offset + i, "", Error: error);
            }
            else
            {
                try
                {
                    (usage, calls, attempts, failedCalls) = await CallProviderAsync(request, settings, tags, promptKey, offset, missing, samples, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // What was used, cached answers included. A call that failed may still have been billed, but the
                    // provider did not say how much: its tokens are unknown and count as none.
                    reservation?.Settle(Definition.Pricing.CostOf(usage + cachedUsage), (usage + cachedUsage).TotalTokens);
                }
            }
        }
        else if (RunBudget is { IsBounded: true } cachedGate)
        {
            cachedGate.RecordCached(Definition.Pricing.CostOf(cachedUsage), cachedUsage.TotalTokens);
        }

        var final = samples.Select(s => s!).ToImmutableArray();
        var cost = Definition.Pricing.CostOf(usage);
        if (cost > 0) ModelTelemetry.Cost.Add((double)cost, new KeyValuePair<string, object?>("seidr.model", Definition.Name));
        var response = new ModelResponse
        {
            Model = Definition.Name,
            Provider = Definition.Provider.Name,
            ModelId = Definition.ModelId,
            Samples = final,
            Usage = usage,
            CachedUsage = cachedUsage,
            Cost = cost,
            Latency = Stopwatch.GetElapsedTime(started),
            Calls = calls,
            Attempts = attempts,
            FailedCalls = failedCalls,
            CachedSamples = final.Count(s => s.FromCache),
        };
        if (_logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("model {Model}: {Samples} samples for {Stage}/{Problem} ({Cached} cached, {Failed} failed), {Calls} calls, {Attempts} attempts, {Tokens} tokens, {Ms:0} ms",
                Definition.Name, n, tags.Stage, tags.ProblemId, response.CachedSamples, response.FailedSamples, calls, attempts, usage.TotalTokens, response.Latency.TotalMilliseconds);
        _ledger.Record(new ModelCallRecord(DateTimeOffset.UtcNow, response.Model, response.Provider, response.ModelId, tags, request.PromptName,
            n, response.CachedSamples, final.Count(s => !s.Succeeded), calls, attempts, usage, cachedUsage, cost, response.Latency, response.Error?.Kind));
        return response;
    }

    /// <summary>
    /// Asks the provider for the missing samples: <c>n</c> per call where supported, else calls in parallel; a server
    /// that ignored <c>n</c> is asked for the rest one call each. Fills <paramref name="samples"/>.
    /// </summary>
    private async Task<(TokenUsage Usage, int Calls, int Attempts, int FailedCalls)> CallProviderAsync(ModelRequest request, ModelSettings settings, CallTags tags,
        string promptKey, int offset, List<int> missing, ModelSample?[] samples, CancellationToken cancellationToken)
    {
        var usage = new TokenUsage();
        int calls = 0, attempts = 0, failedCalls = 0;
        int perCall = _backend.SupportsMultipleSamples ? Math.Max(1, settings.SamplesPerCall ?? _backend.DefaultSamplesPerCall) : 1;
        var outcomes = await Task.WhenAll(Chunks(missing, perCall)
            .Select(c => RunCallAsync(request, settings, tags, promptKey, offset + c.First, c.Count, cancellationToken))).ConfigureAwait(false);
        var retryOne = new List<int>();
        foreach (var o in outcomes)
        {
            calls++; attempts += o.Attempts; usage += o.Usage;
            if (o.Failed) failedCalls++;
            for (int k = 0; k < o.Count; k++)
            {
                if (k < o.Samples.Count) samples[o.FirstIndex - offset + k] = o.Samples[k];
                else retryOne.Add(o.FirstIndex - offset + k);
            }
        }
        if (retryOne.Count > 0)
        {
            var more = await Task.WhenAll(retryOne.Select(i => RunCallAsync(request, settings, tags, promptKey, offset + i, 1, cancellationToken))).ConfigureAwait(false);
            foreach (var o in more)
            {
                calls++; attempts += o.Attempts; usage += o.Usage;
                if (o.Failed || o.Samples.Count == 0) failedCalls++;
                samples[o.FirstIndex - offset] = o.Samples.Count > 0
                    ? o.Samples[0]
                    : new ModelSample(o.FirstIndex, "", Error: new ModelError(ModelErrorKind.InvalidResponse, "the server returned no choice", Attempts: o.Attempts));
            }
        }
        return (usage, calls, attempts, failedCalls);
    }

    private sealed record CallOutcome(int FirstIndex, int Count, IReadOnlyList<ModelSample> Samples, TokenUsage Usage, int Attempts, bool Failed = false);

    private async Task<CallOutcome> RunCallAsync(ModelRequest request, ModelSettings settings, CallTags tags, string promptKey,
        int firstIndex, int count, CancellationToken ct)
    {
        // Sample i is drawn with seed + i, so parallel calls for different samples do not repeat one another.
        var callSettings = settings.Seed is { } seed && firstIndex != 0 ? settings with { Seed = seed + firstIndex } : settings;
        var call = new BackendCall(request.Messages, callSettings, firstIndex, count, tags);
        long estimate = (Definition.TokenCounter.Count(request.Messages) + (long)(settings.MaxTokens ?? 256)) * count;
        using var activity = ModelTelemetry.StartCall(Definition, callSettings, count, tags, request.PromptName);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var (result, attempts) = await _runtime.ExecuteAsync(token => _backend.GenerateAsync(call, token), estimate, settings.Timeout, ct).ConfigureAwait(false);
            var returned = result.Samples.Take(count).ToList();
            var samples = new List<ModelSample>(returned.Count);
            for (int k = 0; k < returned.Count; k++)
            {
                var (inShare, outShare) = (Share(result.InputTokens, returned.Count, k), Share(result.OutputTokens, returned.Count, k));
                var s = returned[k];
                samples.Add(new ModelSample(firstIndex + k, s.Text ?? "", s.FinishReason));
                var answer = new CachedSample(s.Text ?? "", s.FinishReason, inShare, outShare);
                await StoreAsync(promptKey, firstIndex + k, answer).ConfigureAwait(false);
                Publish(ResponseCache.SampleKey(promptKey, firstIndex + k), answer);
            }
            var usage = new TokenUsage(result.InputTokens, result.OutputTokens);
            ModelTelemetry.EndCall(activity, Definition, Stopwatch.GetElapsedTime(started), usage.InputTokens, usage.OutputTokens,
                result.ResponseModel, returned.Select(s => s.FinishReason), attempts, null);
            return new CallOutcome(firstIndex, count, samples, usage, attempts);
        }
        catch (AttemptsExhaustedException e)
        {
            if (e.InnerException is ModelException model) throw model; // replay / scripted pool errors are configuration errors
            var c = ErrorClassifier.Classify(e.InnerException!);
            if (c.Kind == ModelErrorKind.CircuitOpen)
                c = c with
                {
                    Message = $"calls to provider '{Definition.Provider.Name}' stopped after repeated rejections; the last: {_runtime.LastRejection ?? c.Message}",
                    Status = _runtime.LastRejectionStatus,
                };
            var error = new ModelError(c.Kind, c.Message, c.Status, e.Attempts);
            _logger.LogWarning("model {Model}: samples {First}..{Last} failed after {Attempts} attempt(s): {Kind}: {Message}",
                Definition.Name, firstIndex, firstIndex + count - 1, e.Attempts, c.Kind, c.Message);
            ModelTelemetry.EndCall(activity, Definition, Stopwatch.GetElapsedTime(started), 0, 0, null, [], e.Attempts, c.Kind);
            var failed = Enumerable.Range(firstIndex, count).Select(i => new ModelSample(i, "", Error: error)).ToList();
            return new CallOutcome(firstIndex, count, failed, new TokenUsage(), e.Attempts, Failed: true);
        }
    }

    private async Task StoreAsync(string promptKey, int index, CachedSample sample)
    {
        if (_cache is null || _cache.Mode != CacheMode.ReadWrite) return;
        try
        {
            // Not cancellable: once a call is paid for, its answer is kept.
            await _cache.PutAsync(ResponseCache.SampleKey(promptKey, index), Definition.Provider.Name, Definition.ModelId, index, sample, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            _logger.LogWarning("model {Model}: could not store sample {Index} in the response cache: {Message}", Definition.Name, index, e.Message);
        }
    }

    // After the store, so that a request claiming the key once it is gone finds the answer in the cache.
    private void Publish(string key, CachedSample answer)
    {
        if (_inFlight.TryRemove(key, out var waiting)) waiting.TrySetResult(answer);
    }

    private static long Share(long total, int parts, int k) => total / parts + (k < total % parts ? 1 : 0);

    private static IEnumerable<(int First, int Count)> Chunks(List<int> indices, int perCall)
    {
        int i = 0;
        while (i < indices.Count)
        {
            int first = indices[i], count = 1;
            while (i + count < indices.Count && count < perCall && indices[i + count] == first + count) count++;
            yield return (first, count);
            i += count;
        }
    }

    private int AllocateOffset(string promptKey, int count)
    {
        lock (_nextOffset)
        {
            _nextOffset.TryGetValue(promptKey, out var next);
            _nextOffset[promptKey] = next + count;
            return next;
        }
    }
}
