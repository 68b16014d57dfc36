using System.Diagnostics;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Engine;

/// <summary>What one flow (a problem under a variant) has spent, against its <see cref="Budget"/>. Thread-safe.</summary>
public sealed class FlowBudget
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _programs, _calls, _cachedCalls;
    private long _inputTokens, _outputTokens;
    private long _costMicros;

    public FlowBudget(Budget limits) => Limits = limits;

    public Budget Limits { get; }
    public int Programs => Volatile.Read(ref _programs);
    /// <summary>Model calls asked for, cached answers included, so a resumed run spends its budget exactly as the first did.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Of <see cref="Calls"/>, those answered from the response cache.</summary>
    public int CachedCalls => Volatile.Read(ref _cachedCalls);
    public long InputTokens => Interlocked.Read(ref _inputTokens);
    public long OutputTokens => Interlocked.Read(ref _outputTokens);
    public long Tokens => InputTokens + OutputTokens;
    public decimal Cost => Interlocked.Read(ref _costMicros) / 1_000_000m;
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Programs that may still be created before <see cref="Budget.MaxPrograms"/> is reached (int.MaxValue when unbounded).</summary>
    public int ProgramsLeft => Limits.MaxPrograms is { } max ? Math.Max(0, max - Programs) : int.MaxValue;

    public void CountPrograms(int n) => Interlocked.Add(ref _programs, n);

    public void Spend(ModelUsage usage)
    {
        Interlocked.Add(ref _calls, usage.Calls);
        if (usage.Cached) Interlocked.Add(ref _cachedCalls, usage.Calls);
        Interlocked.Add(ref _inputTokens, usage.InputTokens);
        Interlocked.Add(ref _outputTokens, usage.OutputTokens);
        Interlocked.Add(ref _costMicros, (long)(usage.Cost * 1_000_000m));
    }

    /// <summary>The first limit reached, or null while there is budget left.</summary>
    public string? ExhaustedLimit =>
        Limits.MaxPrograms is { } p && Programs >= p ? "max_programs"
        : Limits.Calls is { } c && Calls >= c ? "calls"
        : Limits.Tokens is { } t && Tokens >= t ? "tokens"
        : Limits.Time is { } w && Elapsed >= w ? "time"
        : null;

    public bool IsExhausted => ExhaustedLimit is not null;
}
