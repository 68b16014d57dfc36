using System.Collections.Concurrent;
using System.Collections.Immutable;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Reports;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Designer.Live;

/// <summary>A run as the runs page lists it, with the store it was found in.</summary>
internal sealed record LiveRun(RunListing Listing, int Variants, string Store);

/// <summary>A store that could not be read while listing: named, so the page says which one and why.</summary>
internal sealed record StoreProblem(string Store, string Message);

internal sealed record LiveRunList(ImmutableArray<LiveRun> Runs, ImmutableArray<StoreProblem> Problems);

/// <summary>The run is not in any store this designer reads.</summary>
internal sealed class UnknownRunException(string message) : Exception(message);

/// <summary>The store holding the run (or every store) could not be read.</summary>
internal sealed class StoreUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A report was asked of a run that is still running.</summary>
internal sealed class RunStillRunningException(string message) : Exception(message);

/// <summary>
/// Every run this designer can see: those in the shared run store (<c>seidr serve --store</c>, which the CLI's
/// <c>--store</c> also writes to) and those in the runs folder (<c>runs/*/run.db</c>: runs started from the page, and
/// CLI runs given <c>--out runs/NAME</c>). Progress is read from the store, so a run started by another process is
/// followed like one started here. Reads are cached for <see cref="PollInterval"/> per run, so the cost of
/// following stays one set of aggregate queries per run and interval however many pages watch it.
/// </summary>
internal sealed class RunCatalog(StoreLocation? shared, string runsDirectory, TimeSpan pollInterval, Func<string, RunProgress?>? notYetStored = null)
{
    private readonly ConcurrentDictionary<string, RunStore> _stores = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StoreLocation> _where = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, Task<RunProgress> Progress)> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _reportLocks = new(StringComparer.Ordinal);

    public TimeSpan PollInterval { get; } = pollInterval;
    public string RunsDirectory { get; } = runsDirectory;
    public StoreLocation? SharedStore { get; } = shared;

    /// <summary>The stores read: the shared one first, then each run.db one folder below the runs folder.</summary>
    public IReadOnlyList<StoreLocation> Locations()
    {
        var list = new List<StoreLocation>();
        if (SharedStore is not null) list.Add(SharedStore);
        if (Directory.Exists(RunsDirectory))
            foreach (var dir in Directory.EnumerateDirectories(RunsDirectory).Order(StringComparer.Ordinal))
                if (File.Exists(Path.Combine(dir, RunPersistence.DefaultFileName)))
                    list.Add(StoreLocation.Sqlite(Path.Combine(dir, RunPersistence.DefaultFileName)));
        return list;
    }

    public async Task<LiveRunList> ListAsync(CancellationToken cancellationToken)
    {
        var runs = new List<LiveRun>();
        var problems = new List<StoreProblem>();
        foreach (var location in Locations())
        {
            // The shared SQLite store is created by the first run that writes to it: until then it has no runs.
            if (location.Provider == StoreProvider.Sqlite && !File.Exists(location.Display)) continue;
            try
            {
                var store = await OpenAsync(location, cancellationToken);
                var variants = await store.CountVariantsAsync(cancellationToken);
                foreach (var r in await store.ListRunsAsync(cancellationToken))
                {
                    _where[r.RunId] = location;
                    runs.Add(new LiveRun(Overlay(r), variants.GetValueOrDefault(r.RunId), Describe(location)));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                problems.Add(new StoreProblem(Describe(location), e.Message));
            }
        }
        return new LiveRunList([.. runs.DistinctBy(r => r.Listing.RunId).OrderByDescending(r => r.Listing.CreatedAt)], [.. problems]);
    }

    /// <summary>The run's progress, at most <see cref="PollInterval"/> old.</summary>
    public async Task<RunProgress> ProgressAsync(string runId, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        if (_progress.TryGetValue(runId, out var cached) && now - cached.At < PollInterval && !cached.Progress.IsFaulted)
            return await cached.Progress.WaitAsync(cancellationToken);
        var task = ReadProgressAsync(runId);
        _progress[runId] = (now, task);
        return await task.WaitAsync(cancellationToken);
    }

    private async Task<RunProgress> ReadProgressAsync(string runId)
    {
        RunStore store;
        try { store = await StoreOfAsync(runId, CancellationToken.None); }
        // A run started from the page is in no store for its first moments (and never when refused before it ran).
        catch (UnknownRunException) when (notYetStored?.Invoke(runId) is { } starting) { return starting; }
        try
        {
            var progress = await store.LoadProgressAsync(runId);
            return progress with { Listing = Overlay(progress.Listing) };
        }
        catch (RunStoreException e) when (e.InnerException is null) { throw new UnknownRunException(e.Message); }
        catch (Exception e) when (e is not UnknownRunException) { throw Unreachable(store.Location, e); }
    }

    /// <summary>
    /// A page run is still running while this designer runs it, whatever the store says (its writes may lag behind, or
    /// the store may be unreachable for a while).
    /// </summary>
    private RunListing Overlay(RunListing listing) =>
        listing.Status != RunStatusNames.Running && notYetStored?.Invoke(listing.RunId) is { Listing.Status: RunStatusNames.Running }
            ? listing with { Status = RunStatusNames.Running }
            : listing;

    /// <summary>The HTML report of a finished run, written once by <see cref="Reporter"/> into the runs folder's <c>.reports/</c> and reused until the run changes.</summary>
    public async Task<string> ReportAsync(string runId, CancellationToken cancellationToken)
    {
        var progress = await ProgressAsync(runId, cancellationToken);
        if (progress.Listing.Status == RunStatusNames.Running)
            throw new RunStillRunningException($"run '{runId}' is still running ({progress.Listing.Flows}/{progress.Listing.ExpectedFlows} flows); its report is written when it ends");
        var store = await StoreOfAsync(runId, cancellationToken);
        var folder = ReportFolder(runId);
        var html = Path.Combine(folder, "report.html");
        var stamp = Path.Combine(folder, "report.key");
        // The report changes only when flows are added (a resume) or the run's status changes.
        var key = $"{progress.Listing.Flows}/{progress.Listing.Sessions}/{progress.Listing.Status}/{progress.Listing.LastSeenAt:O}";
        var gate = _reportLocks.GetOrAdd(runId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(html) && File.Exists(stamp) && await File.ReadAllTextAsync(stamp, cancellationToken) == key) return html;
            try
            {
                var runs = await Reporter.LoadAsync(store, [runId], cancellationToken);
                await Reporter.WriteHtmlAsync(runs, html, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException and not IOException || e is RunStoreException)
            {
                throw Unreachable(store.Location, e);
            }
            await File.WriteAllTextAsync(stamp, key, cancellationToken);
            return html;
        }
        finally { gate.Release(); }
    }

    /// <summary>Where a run's cached report lives (<c>report.html</c> and its sidecar <c>report.data/</c>).</summary>
    public string ReportFolder(string runId) => Path.Combine(RunsDirectory, ".reports", SafeName(runId));

    /// <summary>Two runs side by side: their variants' figures, and per problem which variants of each solved it.</summary>
    public async Task<RunComparison> CompareAsync(string a, string b, CancellationToken cancellationToken)
    {
        var left = await AnalyseAsync(a, cancellationToken);
        var right = await AnalyseAsync(b, cancellationToken);
        return RunComparison.Of(left, right);
    }

    private async Task<RunAnalysis> AnalyseAsync(string runId, CancellationToken cancellationToken)
    {
        var store = await StoreOfAsync(runId, cancellationToken);
        try { return await RunAnalysis.LoadAsync(store, runId, cancellationToken); }
        catch (RunStoreException e) when (e.InnerException is null) { throw new UnknownRunException(e.Message); }
        catch (Exception e) when (e is not OperationCanceledException) { throw Unreachable(store.Location, e); }
    }

    /// <summary>The store holding a run: remembered from the last listing, else found by listing again.</summary>
    private async Task<RunStore> StoreOfAsync(string runId, CancellationToken cancellationToken)
    {
        if (!_where.ContainsKey(runId))
        {
            var list = await ListAsync(cancellationToken);
            if (!_where.ContainsKey(runId))
            {
                if (list.Problems.Length > 0)
                    throw new StoreUnreachableException($"no run '{runId}' in the stores that could be read, and {string.Join("; ", list.Problems.Select(p => $"{p.Store} could not be read: {p.Message}"))}");
                throw new UnknownRunException($"no run '{runId}' in {string.Join(", ", Locations().Select(Describe).DefaultIfEmpty($"{RunsDirectory} (no runs yet)"))}");
            }
        }
        var location = _where[runId];
        try { return await OpenAsync(location, cancellationToken); }
        catch (Exception e) when (e is not OperationCanceledException) { throw Unreachable(location, e); }
    }

    private async Task<RunStore> OpenAsync(StoreLocation location, CancellationToken cancellationToken)
    {
        var key = location.ConnectionString;
        if (_stores.TryGetValue(key, out var store)) return store;
        store = await RunStore.OpenExistingAsync(location, cancellationToken);
        return _stores.GetOrAdd(key, store);
    }

    private static StoreUnreachableException Unreachable(StoreLocation location, Exception e) =>
        e as StoreUnreachableException ?? new StoreUnreachableException($"the run store {Describe(location)} cannot be read: {e.Message}", e);

    /// <summary>A store as the page names it: its file for SQLite; PostgreSQL's connection string without its password.</summary>
    public static string Describe(StoreLocation location) => location.Display;

    private static string SafeName(string runId) => string.Concat(runId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
