namespace Seidr.Workflows.Models.Accounting;

/// <summary>
/// A run's money and volume caps (<c>run_budget</c>), over every model and flow. A request that needs the provider
/// reserves its estimate before it starts (requests in flight count against the caps) and settles what it really
/// used when it ends; a request whose estimate could pass a cap is refused without a call. Answers from the response
/// cache are counted (they were paid for once, by this run or an earlier session of it) but never refused. Thread-safe.
/// </summary>
/// <param name="cost">The money cap (<c>run_budget.cost</c>); null: none.</param>
/// <param name="calls">The cap on provider calls; null: none.</param>
/// <param name="tokens">The cap on tokens, prompt and generated; null: none.</param>
public sealed class RunBudgetGate(decimal? cost = null, long? calls = null, long? tokens = null)
{
    private readonly object _gate = new();
    private decimal _cost, _reservedCost;
    private long _calls, _reservedCalls, _tokens, _reservedTokens;

    /// <summary>Most money the run may spend; null: no cap.</summary>
    public decimal? CostCap { get; } = cost;
    /// <summary>Most provider calls the run may make; null: no cap.</summary>
    public long? CallsCap { get; } = calls;
    /// <summary>Most tokens the run may use; null: no cap.</summary>
    public long? TokensCap { get; } = tokens;

    /// <summary>Whether any cap is set (a gate without caps refuses nothing).</summary>
    public bool IsBounded => CostCap is not null || CallsCap is not null || TokensCap is not null;

    /// <summary>Spent so far: requests finished (their real use) and cached answers (what they cost when made).</summary>
    public (decimal Cost, long Calls, long Tokens) Spent { get { lock (_gate) return (_cost, _calls, _tokens); } }

    /// <summary>The first cap a request of this estimate could pass, as a message starting with the cap's name; null when it fits.</summary>
    public Reservation? TryReserve(decimal estimatedCost, long estimatedTokens, out string? refusal)
    {
        lock (_gate)
        {
            refusal =
                CallsCap is { } c && _calls + _reservedCalls + 1 > c ? $"run_budget.calls: {_calls} calls made and {_reservedCalls} in flight; one more would pass the cap of {c}"
                : TokensCap is { } t && _tokens + _reservedTokens + estimatedTokens > t ? $"run_budget.tokens: {_tokens:N0} tokens used and {_reservedTokens:N0} in flight; this call's estimate of {estimatedTokens:N0} would pass the cap of {t:N0}"
                : CostCap is { } m && _cost + _reservedCost + estimatedCost > m ? $"run_budget.cost: {_cost:0.####} spent and {_reservedCost:0.####} in flight; this call's estimate of {estimatedCost:0.####} would pass the cap of {m:0.####}"
                : null;
            if (refusal is not null) return null;
            _reservedCalls++;
            _reservedTokens += estimatedTokens;
            _reservedCost += estimatedCost;
            return new Reservation(this, estimatedCost, estimatedTokens);
        }
    }

    /// <summary>Counts a request answered from the cache entirely (never refused).</summary>
    public void RecordCached(decimal cost, long tokens)
    {
        lock (_gate)
        {
            _calls++;
            _tokens += tokens;
            _cost += cost;
        }
    }

    /// <summary>A request's estimate, held until <see cref="Settle"/> replaces it with what the request used.</summary>
    public sealed class Reservation
    {
        private readonly RunBudgetGate _owner;
        private readonly decimal _cost;
        private readonly long _tokens;
        private bool _settled;

        internal Reservation(RunBudgetGate owner, decimal cost, long tokens) => (_owner, _cost, _tokens) = (owner, cost, tokens);

        /// <summary>What the request used (cached samples included); settles once.</summary>
        public void Settle(decimal cost, long tokens)
        {
            lock (_owner._gate)
            {
                if (_settled) return;
                _settled = true;
                _owner._reservedCalls--;
                _owner._reservedTokens -= _tokens;
                _owner._reservedCost -= _cost;
                _owner._calls++;
                _owner._tokens += tokens;
                _owner._cost += cost;
            }
        }
    }
}
