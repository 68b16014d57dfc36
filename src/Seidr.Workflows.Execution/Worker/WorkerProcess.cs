using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Seidr.Workflows.Execution.Worker;

/// <summary>
/// Starts processes from one long-lived thread. bubblewrap's --die-with-parent and PR_SET_PDEATHSIG fire when the
/// *thread* that forked the child exits, so workers must not be started from pool threads that may retire.
/// </summary>
internal sealed class SpawnThread : IDisposable
{
    private readonly BlockingCollection<(ProcessStartInfo Psi, TaskCompletionSource<Process> Done)> _queue = new();

    public SpawnThread()
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "seidr-sandbox-spawner" };
        thread.Start();
    }

    public Task<Process> StartAsync(ProcessStartInfo psi)
    {
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((psi, done));
        return done.Task;
    }

    private void Loop()
    {
        foreach (var (psi, done) in _queue.GetConsumingEnumerable())
        {
            try { done.SetResult(Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}")); }
            catch (Exception e) { done.SetException(e); }
        }
    }

    public void Dispose() => _queue.CompleteAdding();
}

/// <summary>The worker process died while it handled a request (the program killed it, or it was killed).</summary>
internal sealed class WorkerLostException(string message) : Exception(message);

/// <summary>One warm worker: a sandboxed interpreter that forks a child per program. Used by one caller at a time.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly StreamReader _stdout;
    private readonly ConcurrentQueue<string> _stderrTail = new();
    private long _nextId;
    private volatile bool _dead;

    private WorkerProcess(Process process)
    {
        _process = process;
        _stdin = process.StandardInput.BaseStream;
        _stdout = process.StandardOutput;
        process.ErrorDataReceived += (_sender, e) =>
        {
            if (e.Data is null) return;
            _stderrTail.Enqueue(e.Data);
            while (_stderrTail.Count > 40) _stderrTail.TryDequeue(out _);
        };
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public bool Alive => !_dead && !_process.HasExited;
    public string StderrTail => string.Join('\n', _stderrTail);
    public WorkerReady Hello { get; private set; } = new();

    public static async Task<WorkerProcess> StartAsync(ProcessStartInfo psi, SpawnThread spawner, TimeSpan timeout, CancellationToken ct)
    {
        var process = await spawner.StartAsync(psi).ConfigureAwait(false);
        var worker = new WorkerProcess(process);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        string? line;
        try
        {
            line = await worker._stdout.ReadLineAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            line = null;
        }
        catch
        {
            worker.Kill();
            throw;
        }
        if (line is null || !line.Contains("\"ready\"", StringComparison.Ordinal))
        {
            worker.Kill();
            try { await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false); }
            catch (TimeoutException) { }
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
            var why = worker.StderrTail;
            throw new WorkerLostException($"worker did not start ({psi.FileName}): {(why.Length > 0 ? why : line ?? "no output")}");
        }
        worker.Hello = JsonSerializer.Deserialize(line, WorkerJsonContext.Default.WorkerReady)!;
        return worker;
    }

    /// <summary>Sends one request and waits for its answer. Cancelling kills the worker (and everything in its sandbox).</summary>
    public async Task<TResponse> SendAsync<TResponse>(WorkerRequest request, JsonTypeInfo<TResponse> responseType, CancellationToken ct)
        where TResponse : WorkerResponse
    {
        if (!Alive) throw new WorkerLostException("worker is not running");
        var id = ++_nextId;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(request with { Id = id }, request.GetType(), WorkerJsonContext.Default);
        await using var reg = ct.Register(static s => ((WorkerProcess)s!).Kill(), this).ConfigureAwait(false);
        string? line;
        try
        {
            await _stdin.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
            _stdin.WriteByte((byte)'\n');
            await _stdin.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            line = await _stdout.ReadLineAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            line = null;
        }
        ct.ThrowIfCancellationRequested();
        if (line is null)
        {
            _dead = true;
            Kill();
            throw new WorkerLostException("the worker process exited while running the program" + (StderrTail.Length > 0 ? ": " + StderrTail : ""));
        }
        var response = JsonSerializer.Deserialize(line, responseType)
            ?? throw new InvalidOperationException("sandbox worker failed: it answered null");
        if (response.WorkerError is { } err)
            throw new InvalidOperationException($"sandbox worker failed: {err}\n{response.Trace}");
        if (response.Id != id)
        {
            _dead = true;
            Kill();
            throw new WorkerLostException("worker protocol out of step");
        }
        return response;
    }

    public void Kill()
    {
        _dead = true;
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _stdin.Close(); } catch (IOException) { }
            try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); }
            catch (TimeoutException) { }
            Kill();
        }
        _process.Dispose();
    }
}
