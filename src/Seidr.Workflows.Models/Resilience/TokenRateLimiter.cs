namespace Seidr.Workflows.Models.Resilience;

/// <summary>
/// Tokens-per-minute limit over a sliding 60 s window. A call reserves its estimated tokens before it starts and
/// settles the real count when it ends; a call waits while the window's total plus its estimate exceeds the limit
/// (a single call larger than the limit runs alone once the window is empty).
/// </summary>
internal sealed class TokenRateLimiter(int tokensPerMinute, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly LinkedList<Entry> _entries = new();
    private readonly object _gate = new();

    public int Limit { get; } = tokensPerMinute;

    internal sealed class Entry(DateTimeOffset at, long tokens)
    {
        public DateTimeOffset At { get; } = at;
        public long Tokens { get; set; } = tokens;
    }

    public sealed class Reservation
    {
        private readonly TokenRateLimiter _owner;
        private readonly Entry _entry;
        internal Reservation(TokenRateLimiter owner, Entry entry) { _owner = owner; _entry = entry; }

        /// <summary>Replaces the estimate with the tokens the call really used.</summary>
        public void Settle(long actualTokens)
        {
            lock (_owner._gate) _entry.Tokens = Math.Max(0, actualTokens);
        }
    }

    public long UsedInWindow()
    {
        lock (_gate)
        {
            Prune(time.GetUtcNow());
            return _entries.Sum(e => e.Tokens);
        }
    }

    public async Task<Reservation> AcquireAsync(long estimate, CancellationToken ct)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = time.GetUtcNow();
                Prune(now);
                long used = _entries.Sum(e => e.Tokens);
                if (used + estimate <= Limit || _entries.Count == 0)
                {
                    var entry = new Entry(now, estimate);
                    _entries.AddLast(entry);
                    return new Reservation(this, entry);
                }
                wait = _entries.First!.Value.At + Window - now;
            }
            await Task.Delay(wait > TimeSpan.FromMilliseconds(10) ? wait : TimeSpan.FromMilliseconds(10), time, ct).ConfigureAwait(false);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        while (_entries.First is { } first && now - first.Value.At >= Window) _entries.RemoveFirst();
    }
}
