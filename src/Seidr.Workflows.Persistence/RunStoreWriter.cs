using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Persistence;

/// <summary>How the writer batches the engine's events into transactions.</summary>
public sealed record RunStoreWriterOptions
{
    /// <summary>How long events gather before they are written in one transaction (bounds what a crash can lose).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Most events written per transaction.</summary>
    public int MaxBatch { get; init; } = 5000;

    /// <summary>Store <c>ActivityStarted</c> events too (completions always are).</summary>
    public bool ActivityStarts { get; init; } = true;

    /// <summary>
    /// How long the writer waits out a store that is away (a PostgreSQL restart, a network cut, a locked SQLite file),
    /// retrying with backoff and keeping what it must write, before it gives up and the run stops. Default 2 minutes.
    /// </summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Most events kept in memory while the store is away. When the queue is full the engine waits (its events are not
    /// dropped), so a long outage slows the run down to the store's pace instead of filling the memory. Default 200,000.
    /// </summary>
    public int MaxQueued { get; init; } = 200_000;

    /// <summary>Told when the writer gives up (after <see cref="RetryFor"/>, or on an error waiting cannot fix).</summary>
    public Action<RunStoreException>? OnFailed { get; init; }

    /// <summary>Where the writer reports outages and recoveries.</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    /// <summary>
    /// Called on the writing thread before each batch; what it returns is disposed when the batch is written (or given
    /// up). For instrumentation: the persistence benchmark measures the writer thread's CPU time with it.
    /// </summary>
    public Func<IDisposable?>? OnBatch { get; init; }
}

/// <summary>
/// Writes engine events to the run store: <see cref="OnEvent"/> queues the event; a background task drains the queue
/// every <see cref="RunStoreWriterOptions.FlushInterval"/> and writes the batch in one transaction. While the store is
/// away, the writer retries with backoff for <see cref="RunStoreWriterOptions.RetryFor"/>, keeping every event (the
/// engine waits when <see cref="RunStoreWriterOptions.MaxQueued"/> are waiting); past that, or on an error that waiting
/// cannot fix, it gives up: <see cref="Error"/> says why, <see cref="RunStoreWriterOptions.OnFailed"/> is told, and later
/// events are counted in <see cref="Dropped"/>.
/// </summary>
public sealed class RunStoreWriter : IRunObserver
{
    private readonly RunStore _store;
    private readonly string _runId;
    private readonly Guid _sessionId;
    private readonly RunStoreWriterOptions _options;
    private readonly Channel<RunEvent> _channel;
    private readonly Task _loop;
    private readonly StoreJsonWriter _json = new();
    private readonly Uuid7Source _ids = new();
    private long _queued, _written, _batches, _dropped;
    private long _writeTicks;

    internal RunStoreWriter(RunStore store, string runId, Guid sessionId, RunStoreWriterOptions options)
    {
        _store = store;
        _runId = runId;
        _sessionId = sessionId;
        _options = options;
        _channel = Channel.CreateBounded<RunEvent>(new BoundedChannelOptions(Math.Max(1, options.MaxQueued))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Why the writer gave up, or null while it writes.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Events not written because the writer had given up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Events accepted for writing so far.</summary>
    public long Queued => Interlocked.Read(ref _queued);
    /// <summary>Events written so far.</summary>
    public long Written => Interlocked.Read(ref _written);
    /// <summary>Transactions committed so far (events per batch: <see cref="Written"/> / <see cref="Batches"/>).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Time spent writing (on the background task).</summary>
    public TimeSpan WriteTime => TimeSpan.FromTicks(Interlocked.Read(ref _writeTicks));

    /// <summary>Queues <paramref name="e"/> for writing, waiting for room when the queue is full (the run slows to the store's pace); once the writer has given up, counts it in <see cref="Dropped"/>.</summary>
    public void OnEvent(RunEvent e)
    {
        if (e is ActivityStarted && !_options.ActivityStarts) return;
        if (_channel.Writer.TryWrite(e) || WaitForRoom(e)) Interlocked.Increment(ref _queued);
        else Interlocked.Increment(ref _dropped);
    }

    // The queue is full: the store is away or slower than the run. The engine's thread waits for room (the engine
    // runs on many threads and the pool adds more), so the run slows to the store's pace and nothing is lost.
    private bool WaitForRoom(RunEvent e)
    {
        if (Error is not null) return false;
        try
        {
            _channel.Writer.WriteAsync(e).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (ChannelClosedException) { return false; }
    }

    /// <summary>Stops taking events and waits until everything queued is written.</summary>
    public async Task CompleteAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }

    private async Task LoopAsync()
    {
        try
        {
            await DrainAsync();
        }
        finally
        {
            // Everything was written or given up on before this: a connection that will not close changes nothing.
            try { await DisconnectAsync(); } catch (Exception e) { _options.Logger?.LogDebug("run store {Store}: closing the connection: {Error}", _store.Location, OneLine(e)); }
            if (_model is not null) await _model.DisposeAsync();
        }
    }

    private async Task DrainAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<RunEvent>(1024);
        var heartbeat = Stopwatch.StartNew();
        while (true)
        {
            bool more;
            try
            {
                var wait = reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(5))) != wait)
                {
                    await WriteAsync([]); // idle: a heartbeat keeps the session alive in `seidr runs`
                    heartbeat.Restart();
                    continue;
                }
                more = await wait;
            }
            catch (Exception e) { Error ??= e; return; }
            if (!more) return;
            // Let a batch gather (unless the run is ending).
            if (!reader.Completion.IsCompleted) await Task.WhenAny(reader.Completion, Task.Delay(_options.FlushInterval));
            while (true)
            {
                batch.Clear();
                while (batch.Count < _options.MaxBatch && reader.TryRead(out var e)) batch.Add(e);
                if (batch.Count == 0) break;
                await WriteAsync(batch);
                heartbeat.Restart();
            }
        }
    }

    private async Task WriteAsync(IReadOnlyList<RunEvent> batch)
    {
        if (Error is not null)
        {
            Interlocked.Add(ref _dropped, batch.Count);
            return;
        }
        var clock = Stopwatch.StartNew();
        using var instrument = _options.OnBatch?.Invoke();
        Stopwatch? outage = null;
        var delay = TimeSpan.FromMilliseconds(200);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await WriteOnceAsync(batch);
                if (outage is not null)
                    _options.Logger?.LogWarning("run store {Store} is back after {Seconds:0.0} s; {Events} waiting events written", _store.Location, outage.Elapsed.TotalSeconds, batch.Count + _channel.Reader.Count);
                break;
            }
            catch (Exception e) when (StoreErrors.IsTransient(e) && (outage is null || outage.Elapsed < _options.RetryFor))
            {
                if (outage is null)
                {
                    outage = Stopwatch.StartNew();
                    _options.Logger?.LogWarning("run store {Store} is unreachable ({Error}); retrying for up to {Limit:0} s, keeping what it must write",
                        _store.Location, OneLine(e), _options.RetryFor.TotalSeconds);
                }
                if (e is NpgsqlException) NpgsqlConnection.ClearAllPools(); // a restarted server leaves every pooled connection dead
                await Task.Delay(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
            catch (Exception e) when (!StoreErrors.IsTransient(e) && !StoreErrors.IsDiskFull(e) && attempt < 3)
            {
                _options.Logger?.LogWarning("run store {Store}: write failed ({Error}); trying again", _store.Location, OneLine(e));
                await Task.Delay(200 * attempt);
            }
            catch (Exception e)
            {
                // The message names what is gone: the batch in hand and whatever was still queued behind it.
                var lost = batch.Count + _channel.Reader.Count;
                Fail(outage is not null
                    ? new RunStoreException($"run store {_store.Location} unreachable for {outage.Elapsed.TotalSeconds:0} s, lost writes ({lost} events; --resume recomputes them): {OneLine(e)}", e)
                    : new RunStoreException($"run store {_store.Location} lost writes ({lost} events; --resume recomputes them): {OneLine(e)}", e));
                Interlocked.Add(ref _dropped, batch.Count);
                return;
            }
        }
        Interlocked.Add(ref _written, batch.Count);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _writeTicks, clock.Elapsed.Ticks);
    }

    private void Fail(RunStoreException error)
    {
        Error = error;
        // A warning: the run's own error line (from its host) says the same once the run has stopped.
        _options.Logger?.LogWarning("giving up on the run store, the run stops: {Error}", error.Message);
        // Nothing more can be written: engine threads waiting for room are let go, and later events are counted as dropped.
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out _)) Interlocked.Increment(ref _dropped);
        try { _options.OnFailed?.Invoke(error); }
        catch (Exception e) { _options.Logger?.LogError(e, "run store failure handler failed"); }
    }

    private static string OneLine(Exception e) => e.Message.ReplaceLineEndings(" ").Trim();

    // One connection for the writer's whole life (SQLite: its pragmas are set once, its prepared INSERTs are kept).
    private DbConnection? _connection;
    private BulkInserter? _inserter;
    private RunStoreContext? _model;
    private DbCommand? _touch;

    private async Task<DbConnection> ConnectAsync()
    {
        if (_connection is not null) return _connection;
        _model ??= _store.NewContext();
        var connection = _store.Location.Provider == StoreProvider.PostgreSql
            ? (DbConnection)new NpgsqlConnection(_store.Location.ConnectionString)
            : new SqliteConnection(_store.Location.ConnectionString);
        await connection.OpenAsync();
        if (connection is SqliteConnection)
        {
            // WAL (set by OpenAsync, persistent) with synchronous=NORMAL: a commit is not fsynced, it is in the WAL file
            // and survives the process being killed; only a power loss or an OS crash can lose the last commits.
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous=NORMAL;";
            await pragma.ExecuteNonQueryAsync();
        }
        _connection = connection;
        _inserter = new BulkInserter(_model, connection);
        return connection;
    }

    private async Task DisconnectAsync()
    {
        if (_inserter is not null) await _inserter.DisposeAsync();
        if (_touch is not null) await _touch.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        (_inserter, _touch, _connection) = (null, null, null);
    }

    private async Task WriteOnceAsync(IReadOnlyList<RunEvent> batch)
    {
        try
        {
            await WriteOnceAsync(batch, await ConnectAsync());
        }
        catch
        {
            await DisconnectAsync(); // the next attempt starts on a fresh connection
            throw;
        }
    }

    private async Task WriteOnceAsync(IReadOnlyList<RunEvent> batch, DbConnection connection)
    {
        var flows = new List<FlowRow>();
        var candidates = new List<CandidateRow>();
        var executions = new List<ExecutionRow>();
        var calls = new List<ModelCallRow>();
        var events = new List<EventRow>();
        var created = new Dictionary<(string, string, string), CandidateRow>();
        foreach (var e in batch)
        {
            switch (e)
            {
                case CandidateCreated c:
                    {
                        var row = ToRow(c.Flow, c.Candidate, c.Timestamp);
                        created[(c.Flow.VariantId, c.Flow.ProblemId, c.Candidate.Id)] = row;
                        candidates.Add(row);
                        break;
                    }
                case CandidateScored s:
                    {
                        if (created.TryGetValue((s.Flow.VariantId, s.Flow.ProblemId, s.Candidate.Id), out var row)) row.Score = s.Candidate.Score;
                        executions.Add(new ExecutionRow
                        {
                            Id = _ids.Next(), RunId = _runId, VariantId = s.Flow.VariantId, ProblemId = s.Flow.ProblemId, CandidateId = s.Candidate.Id,
                            Score = s.Candidate.Score, Passed = s.Candidate.Results.Count(r => r.Passed), Total = s.Candidate.Results.Length,
                            ResultsJson = _json.Results(s.Candidate.Results), At = s.Timestamp,
                        });
                        break;
                    }
                case ModelCallRecorded m:
                    calls.Add(new ModelCallRow
                    {
                        Id = _ids.Next(), RunId = _runId, VariantId = m.Flow.VariantId, ProblemId = m.Flow.ProblemId, ActivityId = m.ActivityId,
                        Model = m.Usage.Model, Calls = m.Usage.Calls, InputTokens = m.Usage.InputTokens, OutputTokens = m.Usage.OutputTokens,
                        Cost = m.Usage.Cost, LatencyMs = m.Usage.Latency.TotalMilliseconds, Cached = m.Usage.Cached, At = m.Timestamp,
                        Prompt = m.Usage.Prompt, AnswersJson = m.Usage.Answers is null ? null : StoreJson.Serialize(m.Usage.Answers),
                        Samples = m.Usage.Samples, FailedSamples = m.Usage.FailedSamples, Error = m.Usage.Error,
                    });
                    break;
                case FlowCompleted f:
                    {
                        var r = f.Result;
                        flows.Add(new FlowRow
                        {
                            RunId = _runId, VariantId = r.Key.VariantId, ProblemId = r.Key.ProblemId, Status = r.Status.ToString(),
                            SolvedByGeneratedTests = r.SolvedByGeneratedTests, SolvedByHiddenTests = r.Hidden.IsEmpty ? null : r.SolvedByHiddenTests,
                            Programs = r.Programs, Calls = r.Calls, CachedCalls = r.CachedCalls, InputTokens = r.InputTokens, OutputTokens = r.OutputTokens,
                            Cost = r.Cost, Seconds = r.Duration.TotalSeconds, Error = r.Error, ExhaustedLimit = r.ExhaustedLimit,
                            BestCandidateId = r.Submission.IsEmpty ? null : r.Submission[0].Id,
                            FailedSamples = r.FailedSamples, FailedCalls = r.FailedCalls,
                            ResultJson = StoreJson.FlowResult(r), SessionId = _sessionId, CompletedAt = f.Timestamp,
                        });
                        _json.Begin().WriteString("status", r.Status.ToString());
                        events.Add(Event(f, "FlowCompleted", r.Key, null, null));
                        break;
                    }
                case ActivityStarted a:
                    _json.Begin().WriteNumber("input", a.InputCount);
                    events.Add(Event(a, "ActivityStarted", a.Flow, a.ActivityId, a.Iteration));
                    break;
                case ActivityCompleted a:
                    {
                        var json = _json.Begin();
                        json.WriteNumber("ms", Math.Round(a.Duration.TotalMilliseconds, 3));
                        json.WriteStartObject("emitted");
                        foreach (var (outcome, count) in a.Emitted) json.WriteNumber(outcome, count);
                        json.WriteEndObject();
                        events.Add(Event(a, "ActivityCompleted", a.Flow, a.ActivityId, a.Iteration));
                        break;
                    }
                case ActivityFailed a:
                    _json.Begin().WriteString("error", a.Error);
                    events.Add(Event(a, "ActivityFailed", a.Flow, a.ActivityId, a.Iteration));
                    break;
                case BudgetExhausted b:
                    _json.Begin().WriteString("limit", b.Limit);
                    events.Add(Event(b, "BudgetExhausted", b.Flow, b.ActivityId, null));
                    break;
                case RunStarted r:
                    {
                        var json = _json.Begin();
                        json.WriteNumber("problems", r.Problems);
                        json.WriteNumber("variants", r.Variants.Count);
                        events.Add(Event(r, "RunStarted", null, null, null));
                        break;
                    }
                case RunCompleted r:
                    _json.Begin().WriteString("status", r.Result.Status.ToString());
                    events.Add(Event(r, "RunCompleted", null, null, null));
                    break;
            }
        }
        await using var tx = await connection.BeginTransactionAsync();
        // Rows go in with prepared INSERTs (SQLite) or binary COPY (PostgreSQL), not through EF's change tracking
        // (which would cost more than the run itself); values are converted by EF's own type mappings.
        var inserter = _inserter!;
        await inserter.InsertAsync(candidates, tx);
        await inserter.InsertAsync(executions, tx);
        await inserter.InsertAsync(calls, tx);
        await inserter.InsertAsync(events, tx);
        await inserter.InsertAsync(flows, tx);
        await TouchSessionAsync(connection, tx);
        await tx.CommitAsync();
    }

    /// <summary>The session's <c>last_seen_at</c> is now (what <c>seidr runs</c> tells a live session from a dead one by).</summary>
    private async Task TouchSessionAsync(DbConnection connection, DbTransaction tx)
    {
        var model = _model!;
        var shape = TableShape<SessionRow>.Of(model);
        if (_touch is null)
        {
            var command = connection.CreateCommand();
            var sql = model.GetService<ISqlGenerationHelper>();
            var entity = model.Model.FindEntityType(typeof(SessionRow))!;
            var lastSeen = entity.FindProperty(nameof(SessionRow.LastSeenAt))!;
            var id = entity.FindProperty(nameof(SessionRow.Id))!;
            command.CommandText = $"UPDATE {shape.Table} SET {sql.DelimitIdentifier(lastSeen.GetColumnName())} = {sql.GenerateParameterNamePlaceholder("p0")} WHERE {sql.DelimitIdentifier(id.GetColumnName())} = {sql.GenerateParameterNamePlaceholder("p1")}";
            command.Parameters.Add(lastSeen.GetRelationalTypeMapping().CreateParameter(command, "p0", null, false));
            command.Parameters.Add(id.GetRelationalTypeMapping().CreateParameter(command, "p1", _sessionId, false));
            _touch = command;
        }
        _touch.Transaction = tx;
        _touch.Parameters[0].Value = DateTimeOffset.UtcNow;
        if (await _touch.ExecuteNonQueryAsync() != 1) throw new RunStoreException($"session {_sessionId} is not in the run store");
    }

    private CandidateRow ToRow(FlowKey flow, Candidate c, DateTimeOffset at) => new()
    {
        RunId = _runId, VariantId = flow.VariantId, ProblemId = flow.ProblemId, CandidateId = c.Id, Kind = c.Kind, Content = c.Content,
        ParentId = c.ParentId, Stage = c.Stage, Model = c.Model, Prompt = c.Prompt, Generation = c.Generation, Score = c.Score,
        TagsJson = c.Tags.IsEmpty ? "{}" : StoreJson.Serialize(c.Tags), CreatedAt = at,
    };

    /// <summary>An event row whose data is the document begun on <see cref="_json"/>.</summary>
    private EventRow Event(RunEvent e, string type, FlowKey? flow, string? activity, int? iteration) => new()
    {
        Id = _ids.Next(), RunId = _runId, SessionId = _sessionId, Type = type, VariantId = flow?.VariantId, ProblemId = flow?.ProblemId,
        ActivityId = activity, Iteration = iteration, Data = _json.End(), At = e.Timestamp,
    };
}
