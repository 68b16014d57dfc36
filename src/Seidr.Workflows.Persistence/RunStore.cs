using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Persistence;

/// <summary>Settings of a run as they are persisted, so that <c>--resume</c> can run it again exactly.</summary>
public sealed record RunSettings
{
    /// <summary>The problem selection the run was started with, if it overrode the workflow's.</summary>
    public string? Problems { get; init; }
    /// <summary>The seed the run was started with, if it overrode the workflow's.</summary>
    public int? Seed { get; init; }
    /// <summary>The variant ids the run was limited to; empty: all of them.</summary>
    public ImmutableArray<string> Variants { get; init; } = [];
    /// <summary>The response cache mode the run was started with, if set.</summary>
    public string? Cache { get; init; }
    /// <summary>The response cache file the run was started with, if set.</summary>
    public string? CachePath { get; init; }
    /// <summary>The sandbox mode programs were run in, if set.</summary>
    public string? Sandbox { get; init; }
    /// <summary>Most problem-variant flows at once, if set.</summary>
    public int? MaxFlows { get; init; }
    /// <summary>Most activities running at once across the run's flows.</summary>
    public int MaxWork { get; init; } = 32;
    /// <summary>The k values pass@k is computed for; empty: k = 1.</summary>
    public ImmutableArray<int> K { get; init; } = [];
    /// <summary>Where the run's summary and flow files go, if anywhere.</summary>
    public string? OutputDirectory { get; init; }
    /// <summary>The git folder programs are committed to, if any.</summary>
    public string? CommitPrograms { get; init; }
    /// <summary>Whether every scored program is committed, not only each flow's best.</summary>
    public bool CommitEvery { get; init; }
    /// <summary>The git remote the program commits are pushed to, if any.</summary>
    public string? CommitRemote { get; init; }
}

/// <summary>What a process tells the store when it starts working on a run.</summary>
public sealed record RunStart
{
    /// <summary>The run's id; a new run gets a fresh one, a resume or a shard names an existing one.</summary>
    public required string RunId { get; init; }
    /// <summary>The workflow's id as its file declares it.</summary>
    public required string WorkflowId { get; init; }
    /// <summary>The workflow's display name, if it has one.</summary>
    public string? WorkflowName { get; init; }
    /// <summary>The workflow file the run is started from.</summary>
    public required string WorkflowPath { get; init; }
    /// <summary>The workflow file's text: a run id already stored with another text is refused.</summary>
    public required string WorkflowText { get; init; }
    /// <summary>The repository's commit, for reproducing the run; null outside a git checkout.</summary>
    public string? GitCommit { get; init; }
    /// <summary>The experiment's matrix as JSON (axes, include, exclude).</summary>
    public required string MatrixJson { get; init; }
    /// <summary>The settings a resume runs the run again with.</summary>
    public required RunSettings Settings { get; init; }
    /// <summary>The run's random seed.</summary>
    public int Seed { get; init; }
    /// <summary>The run's variants, in matrix order (every shard gives the same list).</summary>
    public required IReadOnlyList<Variant> Variants { get; init; }

    /// <summary>The variant ids this process works on (a shard by variant), or null for all of <see cref="Variants"/>.</summary>
    public IReadOnlyList<string>? MyVariants { get; init; }

    /// <summary>The run's whole problem selection, in order (every shard gives the same list).</summary>
    public required IReadOnlyList<ProblemInfo> AllProblems { get; init; }

    /// <summary>The problems this process works on (its shard).</summary>
    public required IReadOnlyList<string> Problems { get; init; }
    /// <summary>Which shard of the problems this process works on (0-based) and how many there are.</summary>
    public (int Index, int Count) Shard { get; init; } = (0, 1);
    /// <summary>Whether this process continues an existing run rather than starting it.</summary>
    public bool Resumed { get; init; }
}

/// <summary>What the store keeps of a problem, for reports.</summary>
/// <param name="Id">The problem's id in its dataset.</param>
/// <param name="Dataset">The dataset it came from.</param>
/// <param name="EntryPoint">The function under test, for function problems.</param>
/// <param name="Prompt">The problem's prompt.</param>
public sealed record ProblemInfo(string Id, string? Dataset, string? EntryPoint, string? Prompt);

/// <summary>A run as <c>seidr runs</c> lists it.</summary>
public sealed record RunListing(string RunId, string WorkflowId, string? WorkflowName, DateTimeOffset CreatedAt, int Flows, int ExpectedFlows, int Sessions, string Status, DateTimeOffset LastSeenAt);

/// <summary>A run store was given something it cannot accept (another workflow under the same run id, ...).</summary>
public class RunStoreException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>A run id that exists in the store with another workflow text: a mistake of the caller, not of the store.</summary>
public sealed class RunConflictException(string message) : RunStoreException(message);

/// <summary>
/// The run store: runs, variants, problems, candidates with lineage, executions, model calls, events and finished
/// flows, in SQLite or PostgreSQL through EF Core. Writes during a run go through <see cref="RunStoreWriter"/>.
/// </summary>
public sealed partial class RunStore
{
    /// <summary>A session not seen for this long (no flush: a flush happens at least every few seconds while running) is taken as dead.</summary>
    public static TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    private RunStore(StoreLocation location) => Location = location;

    /// <summary>Where the store lives, as messages name it.</summary>
    public StoreLocation Location { get; }

    internal RunStoreContext NewContext()
    {
        var ctx = RunStoreContext.Create(Location);
        ctx.ChangeTracker.AutoDetectChangesEnabled = false;
        ctx.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        return ctx;
    }

    /// <summary>Opens (and creates or migrates) a store.</summary>
    public static async Task<RunStore> OpenAsync(StoreLocation location, CancellationToken cancellationToken = default)
    {
        if (location.Provider == StoreProvider.Sqlite)
        {
            var path = new SqliteConnectionStringBuilder(location.ConnectionString).DataSource;
            if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        }
        var store = new RunStore(location);
        try
        {
            await using var ctx = RunStoreContext.Create(location);
            // Shards of one run open the same PostgreSQL store at once. EF's own migration lock is released between
            // migrations there, so two processes could both apply the second one ("column already exists"): one
            // advisory lock is held around the whole migration instead.
            await using var guard = location.Provider == StoreProvider.PostgreSql ? await MigrationLock.TakeAsync(location, cancellationToken) : null;
            await ctx.Database.MigrateAsync(cancellationToken);
            if (location.Provider == StoreProvider.Sqlite)
                await ctx.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not RunStoreException)
        {
            throw new RunStoreException($"cannot open the run store {location}: {e.Message}", e);
        }
        return store;
    }

    /// <summary>Opens a store that must already exist (for reading: reports, listings, resume).</summary>
    public static Task<RunStore> OpenExistingAsync(StoreLocation location, CancellationToken cancellationToken = default)
    {
        if (location.Provider == StoreProvider.Sqlite)
        {
            var path = new SqliteConnectionStringBuilder(location.ConnectionString).DataSource;
            if (!File.Exists(path)) throw new RunStoreException($"no run store at {path}");
        }
        return OpenAsync(location, cancellationToken);
    }

    /// <summary>The run with id <paramref name="runId"/>, or null when the store has none.</summary>
    public async Task<RunRow?> FindRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        return await ctx.Runs.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
    }

    /// <summary>The settings stored with <paramref name="run"/>, for resuming it.</summary>
    public static RunSettings SettingsOf(RunRow run) => StoreJson.Deserialize<RunSettings>(run.SettingsJson);

    /// <summary>
    /// Registers a process working on a run: creates the run (or checks that it is the same workflow), its variants
    /// and problems, and a session; deletes what unfinished flows of this process left behind (they run again from the
    /// start); and returns the flows already finished, to be taken as they are.
    /// </summary>
    public async Task<RunSession> BeginAsync(RunStart start, RunStoreWriterOptions? writerOptions = null, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var sessionId = Guid.CreateVersion7();
        // The session is written with the run (one transaction): another process listing the store never sees this
        // run without a live session, which it would take for an interrupted run.
        await EnsureRunAsync(start, new SessionRow
        {
            Id = sessionId, RunId = start.RunId, ShardIndex = start.Shard.Index, ShardCount = start.Shard.Count,
            Host = Environment.MachineName, Pid = Environment.ProcessId, Resumed = start.Resumed,
            StartedAt = now, LastSeenAt = now, Status = RunStatusNames.Running,
        }, cancellationToken);
        try
        {
            return await PrepareSessionAsync(start, sessionId, writerOptions, cancellationToken);
        }
        catch (Exception e)
        {
            // The session will not run: say so in the store rather than leave it to read as running, then interrupted.
            try { await EndSessionAsync(sessionId, e is OperationCanceledException ? RunStatusNames.Cancelled : RunStatusNames.Failed, CancellationToken.None); }
            catch (Exception) { /* the store failed already: the first error, thrown below, is the one to report */ }
            throw;
        }
    }

    private async Task<RunSession> PrepareSessionAsync(RunStart start, Guid sessionId, RunStoreWriterOptions? writerOptions, CancellationToken cancellationToken)
    {
        await InsertMissingAsync(start, cancellationToken);
        var stored = await LoadFlowsAsync(start.RunId, cancellationToken);
        // A flow that lost model samples is not finished: it runs again, its answered calls from the response cache
        // and its failed calls asked again.
        var completed = stored.Where(kv => !kv.Value.LostSamples).ToDictionary(kv => kv.Key, kv => kv.Value);
        var mine = start.Problems.ToHashSet(StringComparer.Ordinal);
        var myVariants = (start.MyVariants ?? start.Variants.Select(v => v.Id)).ToHashSet(StringComparer.Ordinal);
        // Only this process's flows are deleted: another shard may be writing the others right now.
        var unfinished = myVariants.SelectMany(v => start.Problems.Select(p => new FlowKey(v, p))).Where(k => !completed.ContainsKey(k)).ToList();
        await DeleteFlowDataAsync(start.RunId, unfinished, cancellationToken);
        var taken = completed.Where(kv => mine.Contains(kv.Key.ProblemId) && myVariants.Contains(kv.Key.VariantId)).ToImmutableDictionary();
        var writer = new RunStoreWriter(this, start.RunId, sessionId, writerOptions ?? new RunStoreWriterOptions());
        return new RunSession(this, start.RunId, sessionId, taken, writer);
    }

    /// <summary>Creates the run with <paramref name="session"/>, or adds the session to the run of the same workflow text.</summary>
    private async Task EnsureRunAsync(RunStart start, SessionRow session, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            await using var ctx = NewContext();
            var existing = await ctx.Runs.FirstOrDefaultAsync(r => r.Id == start.RunId, ct);
            if (existing is not null && existing.WorkflowText != start.WorkflowText)
                throw new RunConflictException($"run {start.RunId} in {Location} was started with another text of its workflow ({existing.WorkflowPath}); start a new run or restore the file");
            if (existing is null)
                ctx.Runs.Add(new RunRow
                {
                    Id = start.RunId, WorkflowId = start.WorkflowId, WorkflowName = start.WorkflowName, WorkflowPath = start.WorkflowPath,
                    WorkflowText = start.WorkflowText, GitCommit = start.GitCommit, MatrixJson = start.MatrixJson,
                    SettingsJson = StoreJson.Serialize(start.Settings), Seed = start.Seed,
                    TotalProblems = start.AllProblems.Count, TotalVariants = start.Variants.Count, CreatedAt = session.StartedAt,
                });
            ctx.Sessions.Add(session);
            try
            {
                await ctx.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another shard created it at the same moment: check it on the next round.
            }
        }
    }

    private async Task InsertMissingAsync(RunStart start, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            await using var ctx = NewContext();
            var variants = (await ctx.Variants.Where(v => v.RunId == start.RunId).Select(v => v.VariantId).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var problems = (await ctx.Problems.Where(p => p.RunId == start.RunId).Select(p => p.ProblemId).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            for (int i = 0; i < start.Variants.Count; i++)
                if (!variants.Contains(start.Variants[i].Id))
                    ctx.Variants.Add(new VariantRow { RunId = start.RunId, VariantId = start.Variants[i].Id, Ordinal = i, AxesJson = StoreJson.Serialize(start.Variants[i].Axes.Select(a => new[] { a.Key, a.Value })) });
            for (int i = 0; i < start.AllProblems.Count; i++)
            {
                var p = start.AllProblems[i];
                if (!problems.Contains(p.Id))
                    ctx.Problems.Add(new ProblemRow { RunId = start.RunId, ProblemId = p.Id, Ordinal = i, Dataset = p.Dataset, EntryPoint = p.EntryPoint, Prompt = p.Prompt });
            }
            ctx.ChangeTracker.DetectChanges();
            if (!ctx.ChangeTracker.HasChanges()) return;
            try
            {
                await ctx.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                await Task.Delay(50 * (attempt + 1), ct); // another shard inserted some of them: insert what is still missing
            }
        }
    }

    /// <summary>Removes candidates, executions, model calls and events of flows that did not finish (they run again).</summary>
    internal async Task DeleteFlowDataAsync(string runId, IReadOnlyCollection<FlowKey> flows, CancellationToken ct)
    {
        if (flows.Count == 0) return;
        await using var ctx = NewContext();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        foreach (var group in flows.GroupBy(f => f.VariantId))
        {
            foreach (var chunk in group.Select(f => f.ProblemId).Chunk(200))
            {
                var v = group.Key;
                await ctx.Candidates.Where(c => c.RunId == runId && c.VariantId == v && chunk.Contains(c.ProblemId)).ExecuteDeleteAsync(ct);
                await ctx.Executions.Where(c => c.RunId == runId && c.VariantId == v && chunk.Contains(c.ProblemId)).ExecuteDeleteAsync(ct);
                await ctx.ModelCalls.Where(c => c.RunId == runId && c.VariantId == v && chunk.Contains(c.ProblemId)).ExecuteDeleteAsync(ct);
                await ctx.Events.Where(c => c.RunId == runId && c.VariantId == v && chunk.Contains(c.ProblemId!)).ExecuteDeleteAsync(ct);
                await ctx.Flows.Where(c => c.RunId == runId && c.VariantId == v && chunk.Contains(c.ProblemId)).ExecuteDeleteAsync(ct);
            }
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>Every finished flow of a run (all shards, all sessions).</summary>
    public async Task<IReadOnlyDictionary<FlowKey, FlowResult>> LoadFlowsAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        var rows = await ctx.Flows.Where(f => f.RunId == runId).Select(f => new { f.VariantId, f.ProblemId, f.ResultJson }).ToListAsync(cancellationToken);
        return rows.ToDictionary(r => new FlowKey(r.VariantId, r.ProblemId), r => StoreJson.ToFlowResult(r.ResultJson));
    }

    /// <summary>Every run of the store, oldest first, with its status.</summary>
    public Task<IReadOnlyList<RunListing>> ListRunsAsync(CancellationToken cancellationToken = default) => ListAsync(null, cancellationToken);

    /// <summary>One run with its status, or null when the store does not have it.</summary>
    public async Task<RunListing?> FindListingAsync(string runId, CancellationToken cancellationToken = default) =>
        (await ListAsync(runId, cancellationToken)).SingleOrDefault();

    private async Task<IReadOnlyList<RunListing>> ListAsync(string? runId, CancellationToken cancellationToken)
    {
        await using var ctx = NewContext();
        var runs = await ctx.Runs.Where(r => runId == null || r.Id == runId).ToListAsync(cancellationToken);
        // A flow that lost model samples is not done: resume runs it again.
        var flows = (await ctx.Flows.Where(f => (runId == null || f.RunId == runId) && f.FailedSamples == 0 && f.FailedCalls == 0)
                .GroupBy(f => f.RunId).Select(g => new { RunId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken))
            .ToDictionary(x => x.RunId, x => x.Count);
        var sessions = (await ctx.Sessions.Where(s => runId == null || s.RunId == runId).ToListAsync(cancellationToken)).ToLookup(s => s.RunId);
        var now = DateTimeOffset.UtcNow;
        return runs.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).Select(r =>
        {
            var done = flows.GetValueOrDefault(r.Id);
            var expected = r.TotalProblems * r.TotalVariants;
            var ss = sessions[r.Id].ToList();
            var last = ss.Count == 0 ? r.CreatedAt : ss.Max(s => s.LastSeenAt);
            return new RunListing(r.Id, r.WorkflowId, r.WorkflowName, r.CreatedAt, done, expected, ss.Count, StatusOf(done, expected, r.CreatedAt, ss, now), last);
        }).ToList();
    }

    /// <summary>
    /// <c>completed</c> when every flow finished; <c>running</c> while a session is alive (not ended, and its process
    /// wrote to the store within <see cref="StaleAfter"/>: its writer does at least every 5 s, idle or not), or while
    /// the run has no session yet and is younger than <see cref="StaleAfter"/> (a process of an older version writes
    /// the run before its session); else <c>interrupted</c> (a killed process: resume it) or <c>cancelled</c>/<c>failed</c>.
    /// Only the store decides, so a run started in another process, or on another machine, reads the same everywhere.
    /// </summary>
    internal static string StatusOf(int done, int expected, DateTimeOffset createdAt, IReadOnlyList<SessionRow> sessions, DateTimeOffset now)
    {
        if (expected > 0 && done >= expected) return RunStatusNames.Completed;
        if (sessions.Any(s => s.EndedAt is null && now - s.LastSeenAt < StaleAfter)) return RunStatusNames.Running;
        if (sessions.Count == 0 && now - createdAt < StaleAfter) return RunStatusNames.Running;
        var latest = sessions.OrderByDescending(s => s.StartedAt).FirstOrDefault();
        return latest?.Status switch
        {
            RunStatusNames.Cancelled => RunStatusNames.Cancelled,
            RunStatusNames.Failed => RunStatusNames.Failed,
            _ => RunStatusNames.Interrupted,
        };
    }

    /// <summary>Everything a report needs about one run.</summary>
    public async Task<StoredRun> LoadRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var ctx = NewContext();
        var run = await ctx.Runs.FirstOrDefaultAsync(r => r.Id == runId, cancellationToken)
            ?? throw new RunStoreException($"no run '{runId}' in {Location}{Suggest(await ctx.Runs.Select(r => r.Id).ToListAsync(cancellationToken), runId)}");
        var variants = await ctx.Variants.Where(v => v.RunId == runId).ToListAsync(cancellationToken);
        var problems = await ctx.Problems.Where(p => p.RunId == runId).ToListAsync(cancellationToken);
        var flows = await ctx.Flows.Where(f => f.RunId == runId).ToListAsync(cancellationToken);
        var candidates = await ctx.Candidates.Where(c => c.RunId == runId).ToListAsync(cancellationToken);
        var executions = await ctx.Executions.Where(c => c.RunId == runId).ToListAsync(cancellationToken);
        var calls = await ctx.ModelCalls.Where(c => c.RunId == runId).ToListAsync(cancellationToken);
        var sessions = await ctx.Sessions.Where(s => s.RunId == runId).ToListAsync(cancellationToken);
        return new StoredRun(run, [.. variants.OrderBy(v => v.Ordinal)], [.. problems.OrderBy(p => p.Ordinal)], [.. flows], [.. candidates], [.. executions.OrderBy(e => e.At).ThenBy(e => e.Id)], [.. calls.OrderBy(c => c.At)], [.. sessions.OrderBy(s => s.StartedAt)]);
    }

    private static string Suggest(IReadOnlyList<string> ids, string runId)
    {
        if (ids.Count == 0) return " (the store has no runs)";
        var close = ids.Where(i => i.Contains(runId, StringComparison.OrdinalIgnoreCase) || runId.Contains(i, StringComparison.OrdinalIgnoreCase)).Take(3).ToList();
        return close.Count > 0 ? $"; did you mean {string.Join(", ", close)}?" : $"; it has {string.Join(", ", ids.TakeLast(5))}";
    }

    internal async Task EndSessionAsync(Guid sessionId, string status, CancellationToken ct)
    {
        await using var ctx = NewContext();
        var now = DateTimeOffset.UtcNow;
        await ctx.Sessions.Where(s => s.Id == sessionId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, status).SetProperty(x => x.EndedAt, now).SetProperty(x => x.LastSeenAt, now), ct);
    }
}

/// <summary>Everything stored about one run.</summary>
public sealed record StoredRun(
    RunRow Run,
    ImmutableArray<VariantRow> Variants,
    ImmutableArray<ProblemRow> Problems,
    ImmutableArray<FlowRow> Flows,
    ImmutableArray<CandidateRow> Candidates,
    ImmutableArray<ExecutionRow> Executions,
    ImmutableArray<ModelCallRow> ModelCalls,
    ImmutableArray<SessionRow> Sessions)
{
    /// <summary>The settings the run was started with.</summary>
    public RunSettings Settings => RunStore.SettingsOf(Run);

    /// <summary>The engine's variant for a stored variant row (its id and axis values).</summary>
    public Variant VariantOf(VariantRow row) =>
        new(row.VariantId, StoreJson.Deserialize<string[][]>(row.AxesJson).Select(a => new KeyValuePair<string, string>(a[0], a[1])).ToImmutableArray());

    /// <summary>Finished flows per variant, in the run's problem order (the order the engine reports them in).</summary>
    public ImmutableArray<VariantResult> Results(IReadOnlyList<int>? k = null)
    {
        var order = Problems.Select((p, i) => (p.ProblemId, i)).ToDictionary(x => x.ProblemId, x => x.i, StringComparer.Ordinal);
        var ks = k ?? (Settings.K.IsDefaultOrEmpty ? [1] : Settings.K);
        return Variants.Select(v =>
        {
            var flows = Flows.Where(f => f.VariantId == v.VariantId)
                .OrderBy(f => order.GetValueOrDefault(f.ProblemId, int.MaxValue)).ThenBy(f => f.ProblemId, StringComparer.Ordinal)
                .Select(f => StoreJson.ToFlowResult(f.ResultJson)).ToImmutableArray();
            return new VariantResult(VariantOf(v), flows, Metrics.Compute(flows, ks));
        }).ToImmutableArray();
    }
}

/// <summary>One process's work on a run: the finished flows to take, and the writer to observe the engine with.</summary>
public sealed class RunSession(RunStore store, string runId, Guid sessionId, IReadOnlyDictionary<FlowKey, FlowResult> completed, RunStoreWriter writer) : IAsyncDisposable
{
    private bool _ended;
    /// <summary>The run the session works on.</summary>
    public string RunId { get; } = runId;
    /// <summary>The session's key, stamped on the rows it writes.</summary>
    public Guid SessionId { get; } = sessionId;

    /// <summary>Finished flows of this process's problems, from earlier sessions.</summary>
    public IReadOnlyDictionary<FlowKey, FlowResult> Completed { get; } = completed;
    /// <summary>The writer to pass the engine's events to.</summary>
    public RunStoreWriter Writer { get; } = writer;
    /// <summary>The store the session writes to.</summary>
    public RunStore Store { get; } = store;

    /// <summary>Writes everything still queued and marks the session ended. Throws <see cref="RunStoreException"/> when writes failed.</summary>
    public async Task EndAsync(RunStatus status, CancellationToken cancellationToken = default)
    {
        if (_ended) return;
        _ended = true;
        await Writer.CompleteAsync();
        // A writer that gave up has said why; the session stays open and reads as interrupted, for --resume.
        if (Writer.Error is RunStoreException failed) throw failed;
        if (Writer.Error is { } e) throw new RunStoreException($"the run store {Store.Location} lost writes: {e.Message}", e);
        try
        {
            await Store.EndSessionAsync(SessionId, RunStatusNames.Of(status), cancellationToken);
        }
        catch (Exception x) when (x is not OperationCanceledException and not RunStoreException)
        {
            throw new RunStoreException($"run store {Store.Location}: every event was written, but the session could not be closed: {x.Message.ReplaceLineEndings(" ")}", x);
        }
    }

    /// <summary>Writes what is still queued when <see cref="EndAsync"/> was not called; the session stays open and reads as interrupted, for <c>--resume</c>.</summary>
    public async ValueTask DisposeAsync()
    {
        // Not ended (an exception left the run): write what was queued; the session stays open and reads as interrupted.
        if (!_ended) await Writer.CompleteAsync();
    }
}

/// <summary>A session-level PostgreSQL advisory lock held while a process migrates the store.</summary>
internal sealed class MigrationLock : IAsyncDisposable
{
    // Any fixed number: every process of every version of this project takes the same lock.
    private const long Key = 0x5E1D_0001;
    private readonly Npgsql.NpgsqlConnection _connection;

    private MigrationLock(Npgsql.NpgsqlConnection connection) => _connection = connection;

    public static async Task<MigrationLock> TakeAsync(StoreLocation location, CancellationToken ct)
    {
        // Not pooled: closing the connection ends the session, and with it the lock, whatever happens.
        var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(location.ConnectionString) { Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(ct);
            // No time limit: another shard's migration may take a while on a loaded machine; a process that dies
            // holding the lock ends its session, which releases it.
            await using var command = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({Key})", connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(ct);
            return new MigrationLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({Key})", _connection);
            await command.ExecuteNonQueryAsync();
        }
        finally { await _connection.DisposeAsync(); } // closing the session releases the lock anyway
    }
}
