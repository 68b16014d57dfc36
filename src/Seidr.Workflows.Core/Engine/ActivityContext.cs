using System.Collections.Concurrent;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Engine;

/// <summary>
/// What an activity sees when it runs: the problem (without its hidden tests), the variant, the input population,
/// services, the flow's budget and a deterministic random source; and how it reports what it made.
/// </summary>
public sealed class ActivityContext
{
    private readonly FlowState _flow;
    private int _created;

    internal ActivityContext(FlowState flow, ActivityNode node, int iteration, Population input)
    {
        _flow = flow;
        Node = node;
        Iteration = iteration;
        Input = input;
        Random = new Random(DeterministicSeed.Of(flow.Run.Seed, flow.Key.VariantId, flow.Key.ProblemId, node.Id, iteration.ToString()));
    }

    /// <summary>The run's id (<c>20261123-094508-2daf9e</c>), as the run store knows it.</summary>
    public string RunId => _flow.Run.RunId;

    /// <summary>The flow this invocation belongs to: the variant and the problem.</summary>
    public FlowKey Flow => _flow.Key;

    /// <summary>The workflow node being run, with its inputs as written (before <c>${axis}</c> substitution).</summary>
    public ActivityNode Node { get; }

    /// <summary>The node's id in the workflow; candidates the activity creates are named after it.</summary>
    public string ActivityId => Node.Id;

    /// <summary>How many times this activity ran before in this flow (0 the first time): a loop's generation.</summary>
    public int Iteration { get; }

    /// <summary>The problem as stages may see it: its hidden tests and its reference solution are removed.</summary>
    public Problem Problem => _flow.VisibleProblem;

    /// <summary>The point of the matrix the flow runs under; its axis values are already bound into the inputs.</summary>
    public Variant Variant => _flow.Variant;

    /// <summary>The workflow being run, for its experiment settings (models, budget, ...).</summary>
    public WorkflowDefinition Workflow => _flow.Run.Workflow;

    /// <summary>What reached the activity: the merged populations of its incoming connections (empty at a start).</summary>
    public Population Input { get; }

    /// <summary>
    /// A random source seeded from the run's seed, the flow, the activity and the iteration, so a run repeats exactly;
    /// not thread-safe: concurrent work takes <see cref="RandomFor"/>.
    /// </summary>
    public Random Random { get; }

    /// <summary>A random source for one item of concurrent work, seeded from the activity's seed and the key, so results do not depend on timing.</summary>
    public Random RandomFor(string key) =>
        new(DeterministicSeed.Of(_flow.Run.Seed, _flow.Key.VariantId, _flow.Key.ProblemId, Node.Id, Iteration.ToString(System.Globalization.CultureInfo.InvariantCulture), key));

    /// <summary>What the flow has spent and may still spend; <see cref="Create"/> and <see cref="RecordModelCall"/> count against it.</summary>
    public FlowBudget Budget => _flow.Budget;

    /// <summary>The run's services (model client, sandbox runner, ...); see <see cref="GetRequiredService{T}"/>.</summary>
    public IServiceProvider Services => _flow.Run.Services;

    /// <summary>Cancelled when the run is cancelled or the flow has submitted and stops; pass it to every awaited call.</summary>
    public CancellationToken CancellationToken => _flow.CancellationToken;

    /// <summary>
    /// This activity's state of type <typeparamref name="T"/> from an earlier iteration in this flow (a rank's previous
    /// beam, ...), or null. State is kept per activity and per type, so each kind of state is its own typed record.
    /// </summary>
    public T? GetState<T>() where T : class => _flow.StateOf(Node.Id).TryGetValue(typeof(T), out var value) ? (T)value : null;

    /// <summary>Keeps <paramref name="value"/> for this activity's later iterations in this flow.</summary>
    public void SetState<T>(T value) where T : class => _flow.StateOf(Node.Id)[typeof(T)] = value;

    /// <summary>This activity's state of type <typeparamref name="T"/>, created on first use.</summary>
    public T GetOrAddState<T>(Func<T> create) where T : class => (T)_flow.StateOf(Node.Id).GetOrAdd(typeof(T), _ => create());

    /// <summary>Flags that end up in the flow result and are summed into metrics (e.g. <c>aligned</c>).</summary>
    public void SetFlag(string name, bool value) => _flow.Flags[name] = value;

    /// <summary>Sets a number that ends up in the flow result; metrics average it over the flows that have it (e.g. <c>rounds</c>).</summary>
    public void SetMeasure(string name, double value) => _flow.Measures[name] = value;

    /// <summary>Adds to a number of the flow result (e.g. samples drawn of one kind, over the rounds of a loop).</summary>
    public void AddMeasure(string name, double delta) => _flow.Measures.AddOrUpdate(name, delta, (_, v) => v + delta);

    /// <summary>The run's service of type <typeparamref name="T"/>; throws, naming the type, when the run has none.</summary>
    public T GetRequiredService<T>() where T : notnull =>
        (T?)Services.GetService(typeof(T)) ?? throw new InvalidOperationException($"service {typeof(T).Name} is not registered for this run");

    /// <summary>
    /// Creates a candidate and counts programs against the budget. Its id is <c>{activity}#{iteration}.{key}</c>:
    /// candidates made concurrently must pass a <paramref name="key"/> that does not depend on timing (for example
    /// <c>"{item}.{sample}"</c>); without one, a counter is used, which is deterministic only for sequential creation.
    /// </summary>
    public Candidate Create(string kind, string content, Candidate? parent = null, string? model = null, string? prompt = null, string? key = null)
    {
        key ??= (Interlocked.Increment(ref _created) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var candidate = new Candidate
        {
            Id = $"{Node.Id}#{Iteration}.{key}",
            Kind = kind,
            Content = content,
            ParentId = parent?.Id,
            Stage = Node.Id,
            Model = model,
            Prompt = prompt,
            Generation = parent is null ? 0 : kind == CandidateKinds.Program ? parent.Generation + 1 : parent.Generation,
        };
        if (kind == CandidateKinds.Program) Budget.CountPrograms(1);
        _flow.Track(candidate);
        _flow.Run.Publish(new CandidateCreated(Flow, candidate));
        return candidate;
    }

    /// <summary>Hands the flow's answer to the engine (used by <see cref="Submit"/>); the first submission counts.</summary>
    public void SubmitPrograms(IReadOnlyList<Candidate> programs, bool stopFlow) => _flow.Submit(programs, stopFlow);

    /// <summary>Reports a candidate's new score (after execution or ranking).</summary>
    public Candidate Scored(Candidate candidate)
    {
        _flow.Track(candidate);
        _flow.Run.Publish(new CandidateScored(Flow, candidate));
        return candidate;
    }

    /// <summary>Records a model call against the flow's budget and the run's totals.</summary>
    public void RecordModelCall(ModelUsage usage)
    {
        Budget.Spend(usage);
        _flow.Run.Publish(new ModelCallRecorded(Flow, Node.Id, usage));
    }

    /// <summary>
    /// Runs <paramref name="work"/> for each item concurrently under the run's work bound, returning results in item order
    /// (so output does not depend on timing).
    /// </summary>
    public async Task<IReadOnlyList<TResult>> ForEachAsync<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, int, CancellationToken, Task<TResult>> work)
    {
        var results = new TResult[items.Count];
        var tasks = new Task[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var index = i;
            tasks[i] = Task.Run(async () => results[index] = await RunLimitedAsync(ct => work(items[index], index, ct)), CancellationToken);
        }
        await Task.WhenAll(tasks);
        return results;
    }

    /// <summary>Runs one unit of work (a model call, an execution) under the run's concurrency bound.</summary>
    public async Task<T> RunLimitedAsync<T>(Func<CancellationToken, Task<T>> work)
    {
        await _flow.Run.WorkLimiter.WaitAsync(CancellationToken);
        try { return await work(CancellationToken); }
        finally { _flow.Run.WorkLimiter.Release(); }
    }
}

/// <summary>Stable seeds from strings (FNV-1a), independent of process and platform.</summary>
internal static class DeterministicSeed
{
    /// <summary>A non-negative seed from <paramref name="seed"/> and <paramref name="parts"/>, in order.</summary>
    public static int Of(int seed, params string[] parts)
    {
        unchecked
        {
            uint h = 2166136261 ^ (uint)seed;
            foreach (var part in parts)
            {
                foreach (var ch in part) { h ^= ch; h *= 16777619; }
                h ^= 0xFF; h *= 16777619;
            }
            return (int)(h & 0x7FFFFFFF);
        }
    }
}
