using System.Collections.Immutable;
using System.Text.Json;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Runtime;

/// <summary>
/// Connects a run to its store: where the store is (<c>--store</c>, else <c>run.db</c> in the output folder), what is
/// persisted when a process starts, and how <c>--resume RUN_ID</c> finds the run's workflow and settings again.
/// </summary>
public static class RunPersistence
{
    /// <summary>The store's file name in a run's output folder when no store is named.</summary>
    public const string DefaultFileName = "run.db";

    /// <summary>The store a run writes to: <paramref name="store"/> (a PostgreSQL connection string or a SQLite path), else <c>run.db</c> in the output folder, else none.</summary>
    public static StoreLocation? Locate(string? store, string? outputDirectory) =>
        store is { Length: > 0 } ? StoreLocation.Parse(store)
        : outputDirectory is { Length: > 0 } ? StoreLocation.Sqlite(Path.Combine(outputDirectory, DefaultFileName))
        : null;

    /// <summary>
    /// The options to resume run <paramref name="runId"/>: its workflow file and the settings it was started with,
    /// from the store. Explicit <paramref name="overrides"/> (the shard, observers, ...) are kept.
    /// </summary>
    public static async Task<ExperimentOptions> ResumeOptionsAsync(string runId, StoreLocation location, ExperimentOptions overrides, CancellationToken cancellationToken = default)
    {
        var store = await RunStore.OpenExistingAsync(location, cancellationToken);
        var run = await store.FindRunAsync(runId, cancellationToken);
        if (run is null)
        {
            var known = (await store.ListRunsAsync(cancellationToken)).Select(r => r.RunId).ToList();
            throw new RunStoreException($"no run '{runId}' in {location}" + (known.Count == 0 ? " (the store has no runs)" : $"; it has {string.Join(", ", known.TakeLast(5))}"));
        }
        if (await store.FindListingAsync(runId, cancellationToken) is { Status: RunStatusNames.Completed } done)
            throw new RunStoreException($"run {runId} is already completed ({done.Flows}/{done.ExpectedFlows} flows): nothing to resume; see it with `seidr report {runId}`, or start a new run");
        var s = RunStore.SettingsOf(run);
        var path = overrides.WorkflowPath is { Length: > 0 } given ? given : run.WorkflowPath;
        if (!File.Exists(path)) throw new RunStoreException($"run {runId} was started from {run.WorkflowPath}, which no longer exists; pass the workflow file again");
        if (await File.ReadAllTextAsync(path, cancellationToken) != run.WorkflowText)
            throw new RunStoreException($"{path} has changed since run {runId} started; restore it (the store holds the original text) or start a new run");
        return overrides with
        {
            WorkflowPath = path,
            RunId = runId,
            Resume = true,
            OutputDirectory = overrides.OutputDirectory ?? s.OutputDirectory,
            Store = overrides.Store ?? (location.Provider == StoreProvider.PostgreSql ? location.ConnectionString : null),
            Problems = s.Problems,
            Seed = s.Seed,
            Variants = s.Variants.IsDefaultOrEmpty ? null : s.Variants.ToHashSet(StringComparer.Ordinal),
            Cache = s.Cache is null ? overrides.Cache : Models.ModelLayer.ParseMode(s.Cache),
            CachePath = overrides.CachePath ?? s.CachePath,
            MaxFlows = overrides.MaxFlows ?? s.MaxFlows,
            MaxWork = s.MaxWork,
            CommitPrograms = overrides.CommitPrograms ?? s.CommitPrograms,
            CommitEvery = overrides.CommitEvery || s.CommitEvery,
            CommitRemote = overrides.CommitRemote ?? s.CommitRemote,
        };
    }

    internal static RunStart StartOf(ExperimentOptions options, LoadedWorkflow loaded, WorkflowDefinition workflow, string runId,
        IReadOnlyList<Variant> variants, IReadOnlyList<Variant> myVariants, IReadOnlyList<Problem> all, IReadOnlyList<Problem> mine, string? cachePath, string? gitCommit)
    {
        var path = Path.GetFullPath(options.WorkflowPath);
        return new RunStart
        {
            RunId = runId,
            WorkflowId = workflow.DefinitionId,
            WorkflowName = workflow.Name,
            WorkflowPath = path,
            WorkflowText = File.ReadAllText(path),
            GitCommit = gitCommit,
            MatrixJson = JsonSerializer.Serialize(new
            {
                axes = workflow.Experiment.Matrix.Axes.Select(a => new { name = a.Name, values = a.Values }),
                exclude = workflow.Experiment.Matrix.Exclude,
                include = workflow.Experiment.Matrix.Include,
            }),
            Settings = new RunSettings
            {
                Problems = options.Problems,
                Seed = options.Seed,
                Variants = options.Variants is null ? [] : [.. options.Variants.Order(StringComparer.Ordinal)],
                Cache = options.Cache switch { null => null, Models.Cache.CacheMode.ReadOnly => "read-only", Models.Cache.CacheMode.Off => "off", _ => "read-write" },
                CachePath = cachePath is null ? null : Path.GetFullPath(cachePath),
                Sandbox = options.Sandbox.ToString(),
                MaxFlows = options.MaxFlows,
                MaxWork = options.MaxWork,
                K = workflow.Experiment.K,
                OutputDirectory = options.OutputDirectory is null ? null : Path.GetFullPath(options.OutputDirectory),
                CommitPrograms = options.CommitPrograms is null ? null : Path.GetFullPath(options.CommitPrograms),
                CommitEvery = options.CommitEvery,
                CommitRemote = options.CommitRemote,
            },
            Seed = options.Seed ?? workflow.Experiment.Seed,
            Variants = variants,
            MyVariants = myVariants.Count == variants.Count ? null : [.. myVariants.Select(v => v.Id)],
            AllProblems = all.Select(p => new ProblemInfo(p.Id, p.Dataset, p.EntryPoint, p.Prompt)).ToList(),
            Problems = mine.Select(p => p.Id).ToList(),
            Shard = options.Shard ?? (0, 1),
            Resumed = options.Resume,
        };
    }

    /// <summary>The commit of the repository holding <paramref name="path"/> (with <c>+dirty</c> when the file has uncommitted changes), or null.</summary>
    public static async Task<string?> GitCommitOfAsync(string path, CancellationToken cancellationToken = default)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var head = await Git.GitRepository.TryOutputAsync(dir, ["rev-parse", "HEAD"], cancellationToken);
        if (head is null) return null;
        var status = await Git.GitRepository.TryOutputAsync(dir, ["status", "--porcelain", "--", Path.GetFileName(path)], cancellationToken);
        return string.IsNullOrWhiteSpace(status) ? head.Trim() : head.Trim() + "+dirty";
    }

    /// <summary>Parses <c>i/n</c> (0-based shard i of n).</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var i) || !int.TryParse(parts[1], out var n) || n < 1 || i < 0 || i >= n)
            throw new FormatException($"--shard '{text}': expected i/n with 0 <= i < n, e.g. 0/3");
        return (i, n);
    }

    /// <summary>The shard from Slurm's array variables (<c>SLURM_ARRAY_TASK_ID</c> of <c>SLURM_ARRAY_TASK_COUNT</c>, offset by <c>SLURM_ARRAY_TASK_MIN</c>), or null outside an array job.</summary>
    public static (int Index, int Count)? ShardFromSlurm(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (!int.TryParse(env("SLURM_ARRAY_TASK_ID"), out var id) || !int.TryParse(env("SLURM_ARRAY_TASK_COUNT"), out var count) || count < 1) return null;
        var min = int.TryParse(env("SLURM_ARRAY_TASK_MIN"), out var m) ? m : 0;
        var index = id - min;
        if (index < 0 || index >= count)
            throw new FormatException($"SLURM_ARRAY_TASK_ID={id} is outside 0..{count - 1} (SLURM_ARRAY_TASK_MIN={min}); use --array=0-{count - 1} or pass --shard");
        return (index, count);
    }
}
