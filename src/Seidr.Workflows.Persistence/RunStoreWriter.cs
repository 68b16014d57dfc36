using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Persistence;

public sealed record RunStoreWriterOptions
{
    /// <summary>How long events gather before they are written in one transaction (bounds what a crash can lose).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Most events written per transaction.</summary>
    public int MaxBatch { get; init; } = 5000;

    /// <summary>Store <c>ActivityStarted</c> events too (completions always are).</summary>
    public bool ActivityStarts { get; init; } = true;
}

/// <summary>
/// Writes engine events to the run store without ever blocking the engine: <see cref="OnEvent"/> only queues the event
/// in an unbounded channel; a background task drains it every <see cref="RunStoreWriterOptions.FlushInterval"/> and
/// writes the batch in one transaction. A failed write is retried; if it keeps failing, the writer stops writing and
/// <see cref="Error"/> says why (the run itself goes on).
/// </summary>
public sealed class RunStoreWriter : IRunObserver
{
    private readonly RunStore _store;
    private readonly string _runId;
    private readonly Guid _sessionId;
    private readonly RunStoreWriterOptions _options;
    private readonly Channel<RunEvent> _channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _queued, _written, _batches;
    private long _writeTicks;

    internal RunStoreWriter(RunStore store, string runId, Guid sessionId, RunStoreWriterOptions options)
    {
        _store = store;
        _runId = runId;
        _sessionId = sessionId;
        _options = options;
        _loop = Task.Run(LoopAsync);
    }

    public Exception? Error { get; private set; }
    public long Queued => Interlocked.Read(ref _queued);
    public long Written => Interlocked.Read(ref _written);
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Time spent writing (on the background task).</summary>
    public TimeSpan WriteTime => TimeSpan.FromTicks(Interlocked.Read(ref _writeTicks));

    public void OnEvent(RunEvent e)
    {
        if (e is ActivityStarted && !_options.ActivityStarts) return;
        if (_channel.Writer.TryWrite(e)) Interlocked.Increment(ref _queued);
    }

    /// <summary>Stops taking events and waits until everything queued is written.</summary>
    public async Task CompleteAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }

    private async Task LoopAsync()
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
        if (Error is not null) return;
        var clock = Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await WriteOnceAsync(batch);
                break;
            }
            catch (Exception e) when (attempt < 4)
            {
                _ = e;
                await Task.Delay(200 * attempt);
            }
            catch (Exception e)
            {
                Error = e;
                return;
            }
        }
        Interlocked.Add(ref _written, batch.Count);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _writeTicks, clock.Elapsed.Ticks);
    }

    private async Task WriteOnceAsync(IReadOnlyList<RunEvent> batch)
    {
        await using var ctx = _store.NewContext();
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
                        Id = Guid.CreateVersion7(), RunId = _runId, VariantId = s.Flow.VariantId, ProblemId = s.Flow.ProblemId, CandidateId = s.Candidate.Id,
                        Score = s.Candidate.Score, Passed = s.Candidate.Results.Count(r => r.Passed), Total = s.Candidate.Results.Length,
                        ResultsJson = StoreJson.Serialize(s.Candidate.Results), At = s.Timestamp,
                    });
                    break;
                }
                case ModelCallRecorded m:
                    calls.Add(new ModelCallRow
                    {
                        Id = Guid.CreateVersion7(), RunId = _runId, VariantId = m.Flow.VariantId, ProblemId = m.Flow.ProblemId, ActivityId = m.ActivityId,
                        Model = m.Usage.Model, Calls = m.Usage.Calls, InputTokens = m.Usage.InputTokens, OutputTokens = m.Usage.OutputTokens,
                        Cost = m.Usage.Cost, LatencyMs = m.Usage.Latency.TotalMilliseconds, Cached = m.Usage.Cached, At = m.Timestamp,
                        Prompt = m.Usage.Prompt, AnswersJson = m.Usage.Answers is null ? null : StoreJson.Serialize(m.Usage.Answers),
                    });
                    break;
                case FlowCompleted f:
                {
                    var r = f.Result;
                    ctx.Flows.Add(new FlowRow
                    {
                        RunId = _runId, VariantId = r.Key.VariantId, ProblemId = r.Key.ProblemId, Status = r.Status.ToString(),
                        SolvedByGeneratedTests = r.SolvedByGeneratedTests, SolvedByHiddenTests = r.Hidden.IsEmpty ? null : r.SolvedByHiddenTests,
                        Programs = r.Programs, Calls = r.Calls, CachedCalls = r.CachedCalls, InputTokens = r.InputTokens, OutputTokens = r.OutputTokens,
                        Cost = r.Cost, Seconds = r.Duration.TotalSeconds, Error = r.Error, ExhaustedLimit = r.ExhaustedLimit,
                        BestCandidateId = r.Submission.IsEmpty ? null : r.Submission[0].Id,
                        ResultJson = StoreJson.FlowResult(r), SessionId = _sessionId, CompletedAt = f.Timestamp,
                    });
                    events.Add(Event(f, "FlowCompleted", r.Key, null, null, new JsonObject { ["status"] = r.Status.ToString() }));
                    break;
                }
                case ActivityStarted a:
                    events.Add(Event(a, "ActivityStarted", a.Flow, a.ActivityId, a.Iteration, new JsonObject { ["input"] = a.InputCount }));
                    break;
                case ActivityCompleted a:
                    events.Add(Event(a, "ActivityCompleted", a.Flow, a.ActivityId, a.Iteration, new JsonObject
                    {
                        ["ms"] = Math.Round(a.Duration.TotalMilliseconds, 3),
                        ["emitted"] = new JsonObject(a.Emitted.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                    }));
                    break;
                case ActivityFailed a:
                    events.Add(Event(a, "ActivityFailed", a.Flow, a.ActivityId, a.Iteration, new JsonObject { ["error"] = a.Error }));
                    break;
                case BudgetExhausted b:
                    events.Add(Event(b, "BudgetExhausted", b.Flow, b.ActivityId, null, new JsonObject { ["limit"] = b.Limit }));
                    break;
                case RunStarted r:
                    events.Add(Event(r, "RunStarted", null, null, null, new JsonObject { ["problems"] = r.Problems, ["variants"] = r.Variants.Count }));
                    break;
                case RunCompleted r:
                    events.Add(Event(r, "RunCompleted", null, null, null, new JsonObject { ["status"] = r.Result.Status.ToString() }));
                    break;
            }
        }
        var now = DateTimeOffset.UtcNow;
        var session = new SessionRow { Id = _sessionId, RunId = _runId, Host = "", Status = "" , LastSeenAt = now };
        ctx.Sessions.Attach(session);
        ctx.Entry(session).Property(x => x.LastSeenAt).IsModified = true;
        await using var tx = await ctx.Database.BeginTransactionAsync();
        // The many small rows go in multi-row INSERTs (EF's change tracking would cost more than the run itself);
        // parameters are made by EF's own type mappings, so the values are stored exactly as EF stores them.
        await BulkInsert.InsertAsync(ctx, candidates);
        await BulkInsert.InsertAsync(ctx, executions);
        await BulkInsert.InsertAsync(ctx, calls);
        await BulkInsert.InsertAsync(ctx, events);
        await ctx.SaveChangesAsync();
        await tx.CommitAsync();
    }

    private CandidateRow ToRow(FlowKey flow, Candidate c, DateTimeOffset at) => new()
    {
        RunId = _runId, VariantId = flow.VariantId, ProblemId = flow.ProblemId, CandidateId = c.Id, Kind = c.Kind, Content = c.Content,
        ParentId = c.ParentId, Stage = c.Stage, Model = c.Model, Prompt = c.Prompt, Generation = c.Generation, Score = c.Score,
        TagsJson = c.Tags.IsEmpty ? "{}" : StoreJson.Serialize(c.Tags), CreatedAt = at,
    };

    private EventRow Event(RunEvent e, string type, FlowKey? flow, string? activity, int? iteration, JsonObject? data) => new()
    {
        Id = Guid.CreateVersion7(), RunId = _runId, SessionId = _sessionId, Type = type, VariantId = flow?.VariantId, ProblemId = flow?.ProblemId,
        ActivityId = activity, Iteration = iteration, Data = data?.ToJsonString(StoreJson.Options), At = e.Timestamp,
    };
}
