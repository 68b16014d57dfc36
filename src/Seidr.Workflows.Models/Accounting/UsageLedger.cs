using System.Collections.Concurrent;

namespace Seidr.Workflows.Models.Accounting;

/// <summary>The record of one <see cref="IModelClient.CompleteAsync"/> call (what the run store keeps).</summary>
public sealed record ModelCallRecord(
    DateTimeOffset Timestamp,
    string Model,
    string Provider,
    string ModelId,
    CallTags Tags,
    string? PromptName,
    int SamplesRequested,
    int CachedSamples,
    int FailedSamples,
    int Calls,
    int Attempts,
    TokenUsage Usage,
    TokenUsage CachedUsage,
    decimal Cost,
    TimeSpan Latency,
    ModelErrorKind? Error);

/// <summary>Sums over a set of calls.</summary>
public sealed record UsageTotals(long Requests, long Calls, long Samples, long CachedSamples, long FailedSamples, long InputTokens, long OutputTokens, decimal Cost)
{
    /// <summary>Nothing spent: the start of every sum.</summary>
    public static UsageTotals Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0m);
    /// <summary>Prompt and generated tokens together.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>These totals with one more request <paramref name="r"/> counted.</summary>
    public UsageTotals Add(ModelCallRecord r) => new(
        Requests + 1, Calls + r.Calls, Samples + r.SamplesRequested, CachedSamples + r.CachedSamples, FailedSamples + r.FailedSamples,
        InputTokens + r.Usage.InputTokens, OutputTokens + r.Usage.OutputTokens, Cost + r.Cost);
}

/// <summary>Limits a workflow sets on spending; <c>null</c> = no limit.</summary>
public sealed record ModelBudget(long? MaxCalls = null, long? MaxTokens = null, long? MaxInputTokens = null, long? MaxOutputTokens = null, decimal? MaxCost = null)
{
    /// <summary>The first limit that <paramref name="spent"/> reaches, or <c>null</c> while all are below.</summary>
    public string? ExceededBy(UsageTotals spent)
    {
        if (MaxCalls is { } c && spent.Calls >= c) return $"calls {spent.Calls} >= max_calls {c}";
        if (MaxTokens is { } t && spent.TotalTokens >= t) return $"tokens {spent.TotalTokens} >= max_tokens {t}";
        if (MaxInputTokens is { } i && spent.InputTokens >= i) return $"input tokens {spent.InputTokens} >= max_input_tokens {i}";
        if (MaxOutputTokens is { } o && spent.OutputTokens >= o) return $"output tokens {spent.OutputTokens} >= max_output_tokens {o}";
        if (MaxCost is { } m && spent.Cost >= m) return $"cost {spent.Cost} >= max_cost {m}";
        return null;
    }
}

/// <summary>
/// Thread-safe ledger of model calls with sums per run, variant, stage and model, and an event for subscribers
/// (the engine, the run store). Cache hits are counted as requests and samples but cost no tokens.
/// </summary>
public sealed class UsageLedger
{
    private readonly ConcurrentQueue<ModelCallRecord> _records = new();
    private readonly ConcurrentDictionary<(string Dim, string? Run, string? Key), UsageTotals> _sums = new();

    /// <summary>Raised after every request, on the calling task. Handlers must be fast and must not throw.</summary>
    public event Action<ModelCallRecord>? Recorded;

    /// <summary>A snapshot of every request recorded so far, in the order recorded.</summary>
    public IReadOnlyCollection<ModelCallRecord> Records => _records.ToArray();

    /// <summary>Counts <paramref name="record"/> in every sum it belongs to, then raises <see cref="Recorded"/>.</summary>
    public void Record(ModelCallRecord record)
    {
        _records.Enqueue(record);
        var t = record.Tags;
        Add(("total", null, null), record);
        Add(("run", t.RunId, t.RunId), record);
        Add(("variant", t.RunId, t.VariantId), record);
        Add(("stage", t.RunId, $"{t.VariantId}\u001f{t.Stage}"), record);
        Add(("stage-all", t.RunId, t.Stage), record);
        Add(("model", t.RunId, record.Model), record);
        Recorded?.Invoke(record);
    }

    private void Add((string, string?, string?) key, ModelCallRecord r)
        => _sums.AddOrUpdate(key, _ => UsageTotals.Zero.Add(r), (_, old) => old.Add(r));

    private UsageTotals Get((string, string?, string?) key) => _sums.TryGetValue(key, out var v) ? v : UsageTotals.Zero;

    /// <summary>Sums over every request the ledger has seen, whatever the run.</summary>
    public UsageTotals Total => Get(("total", null, null));
    /// <summary>Sums over the requests of one run.</summary>
    public UsageTotals ForRun(string? runId) => Get(("run", runId, runId));
    /// <summary>Sums over the requests of one variant of a run.</summary>
    public UsageTotals ForVariant(string? runId, string? variantId) => Get(("variant", runId, variantId));
    /// <summary>A stage within one variant.</summary>
    public UsageTotals ForStage(string? runId, string? variantId, string? stage) => Get(("stage", runId, $"{variantId}\u001f{stage}"));
    /// <summary>A stage summed over all variants of a run.</summary>
    public UsageTotals ForStage(string? runId, string? stage) => Get(("stage-all", runId, stage));
    /// <summary>Sums over one model's requests within a run.</summary>
    public UsageTotals ForModel(string? runId, string model) => Get(("model", runId, model));

    /// <summary>Sums of an arbitrary selection of records (slower: scans).</summary>
    public UsageTotals Sum(Func<ModelCallRecord, bool> filter)
        => _records.Where(filter).Aggregate(UsageTotals.Zero, (acc, r) => acc.Add(r));

    /// <summary>Sums grouped by a key (e.g. <c>r =&gt; r.Tags.Stage</c>).</summary>
    public IReadOnlyDictionary<string, UsageTotals> GroupBy(Func<ModelCallRecord, string?> key, Func<ModelCallRecord, bool>? filter = null)
        => _records.Where(filter ?? (_ => true)).GroupBy(r => key(r) ?? "")
            .ToDictionary(g => g.Key, g => g.Aggregate(UsageTotals.Zero, (acc, r) => acc.Add(r)));
}
