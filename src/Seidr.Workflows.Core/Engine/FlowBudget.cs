using System.Diagnostics;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Engine;

/// <summary>What one flow (a problem under a variant) has spent, against its <see cref="Budget"/>. Thread-safe.</summary>
public sealed class FlowBudget
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _programs, _calls, _cachedCalls, _samples, _failedSamples, _failedCalls, _retries;
    private string? _modelError, _outsideLimit;
    private long _inputTokens, _outputTokens;
    // Cost in 1e-12 currency units: micro-units truncated each call of a cheap model (gpt-4o-mini's 1.5e-7 per input
    // token) and lost ~0.1% of a run's cost; pico-units are exact for prices given to 6 decimals per million tokens and
    // still hold 9.2 million per flow.
    private long _costPicos;

    /// <summary>A budget with nothing spent yet, its clock started now.</summary>
    internal FlowBudget(Budget limits) => Limits = limits;

    /// <summary>The flow's limits (the experiment's <c>budget</c>).</summary>
    public Budget Limits { get; }

    /// <summary>Programs created so far.</summary>
    public int Programs => Volatile.Read(ref _programs);

    /// <summary>Model calls asked for, cached answers included, so a resumed run spends its budget exactly as the first did.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Of <see cref="Calls"/>, those answered from the response cache.</summary>
    public int CachedCalls => Volatile.Read(ref _cachedCalls);

    /// <summary>Model samples asked for.</summary>
    public int Samples => Volatile.Read(ref _samples);

    /// <summary>Model samples lost after their retries.</summary>
    public int FailedSamples => Volatile.Read(ref _failedSamples);

    /// <summary>Provider calls that failed after their retries.</summary>
    public int FailedCalls => Volatile.Read(ref _failedCalls);

    /// <summary>Retries of provider calls.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>The first model failure of the flow ("Kind: message"), or null.</summary>
    public string? ModelError => Volatile.Read(ref _modelError);

    /// <summary>Prompt tokens spent.</summary>
    public long InputTokens => Interlocked.Read(ref _inputTokens);

    /// <summary>Answer tokens spent.</summary>
    public long OutputTokens => Interlocked.Read(ref _outputTokens);

    /// <summary>Input and output tokens together, what <see cref="Budget.Tokens"/> limits.</summary>
    public long Tokens => InputTokens + OutputTokens;

    /// <summary>Money spent, in the currency of the models' prices.</summary>
    public decimal Cost => Interlocked.Read(ref _costPicos) / PicosPerUnit;
    private const decimal PicosPerUnit = 1_000_000_000_000m;

    /// <summary>Time since the flow started, what <see cref="Budget.Time"/> limits.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Programs that may still be created before <see cref="Budget.MaxPrograms"/> is reached (int.MaxValue when unbounded).</summary>
    public int ProgramsLeft => Limits.MaxPrograms is { } max ? Math.Max(0, max - Programs) : int.MaxValue;

    /// <summary>Counts <paramref name="n"/> programs made (<see cref="ActivityContext.Create"/> calls it).</summary>
    internal void CountPrograms(int n) => Interlocked.Add(ref _programs, n);

    /// <summary>Adds a model call's cost to the totals (<see cref="ActivityContext.RecordModelCall"/> calls it).</summary>
    internal void Spend(ModelUsage usage)
    {
        Interlocked.Add(ref _calls, usage.Calls);
        if (usage.Cached) Interlocked.Add(ref _cachedCalls, usage.Calls);
        Interlocked.Add(ref _inputTokens, usage.InputTokens);
        Interlocked.Add(ref _outputTokens, usage.OutputTokens);
        Interlocked.Add(ref _costPicos, (long)decimal.Round(usage.Cost * PicosPerUnit));
        Interlocked.Add(ref _samples, usage.Samples);
        if (usage.Retries > 0) Interlocked.Add(ref _retries, usage.Retries);
        if (usage.FailedSamples > 0 || usage.FailedCalls > 0)
        {
            Interlocked.Add(ref _failedSamples, usage.FailedSamples);
            Interlocked.Add(ref _failedCalls, usage.FailedCalls);
            Interlocked.CompareExchange(ref _modelError, usage.Error ?? "model call failed", null);
        }
    }

    /// <summary>
    /// Marks the flow's budget spent by a limit outside it (the run's <c>run_budget</c> refused a model call): spending
    /// activities of this flow run no more, and the flow reports the limit.
    /// </summary>
    public void Exhaust(string limit) => Interlocked.CompareExchange(ref _outsideLimit, limit, null);

    /// <summary>The limit set by <see cref="Exhaust"/>, or null.</summary>
    public string? OutsideLimit => Volatile.Read(ref _outsideLimit);

    /// <summary>The first limit reached, or null while there is budget left.</summary>
    public string? ExhaustedLimit =>
        OutsideLimit is { } outside ? outside
        : Limits.MaxPrograms is { } p && Programs >= p ? "max_programs"
        : Limits.Calls is { } c && Calls >= c ? "calls"
        : Limits.Tokens is { } t && Tokens >= t ? "tokens"
        : Limits.Time is { } w && Elapsed >= w ? "time"
        : Limits.Cost is { } money && Cost >= money ? "cost"
        : null;

    /// <summary>Whether a limit is reached: spending activities no longer run.</summary>
    public bool IsExhausted => ExhaustedLimit is not null;
}
