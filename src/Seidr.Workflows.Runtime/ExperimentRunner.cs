using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Seidr.Workflows.Activities;
using Seidr.Workflows.Activities.Judging;
using Seidr.Workflows.Activities.Stages;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Models;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Runtime.Plugins;
using Seidr.Workflows.Serialization;
using Seidr.Workflows.Validation;

namespace Seidr.Workflows.Runtime;

/// <summary>What to run and how.</summary>
public sealed record ExperimentOptions
{
    /// <summary>The workflow file (YAML or JSON) to run; relative paths in it are resolved against its folder.</summary>
    public required string WorkflowPath { get; init; }

    /// <summary>Where <c>summary.json</c> and <c>flows.jsonl</c> go; nothing is written when null.</summary>
    public string? OutputDirectory { get; init; }
    /// <summary>The run's id (default: a new one, timestamp and random suffix).</summary>
    public string? RunId { get; init; }

    /// <summary>Overrides the workflow's seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Overrides the workflow's problem selection.</summary>
    public string? Problems { get; init; }

    /// <summary>Only these variant ids run.</summary>
    public IReadOnlySet<string>? Variants { get; init; }
    /// <summary>Overrides the model response cache's mode (<c>Seidr:Cache:Mode</c>: read-write, read-only, off).</summary>
    public CacheMode? Cache { get; init; }

    /// <summary>The model response cache file (default: <c>responses.db</c> in <see cref="OutputDirectory"/>; none without either).</summary>
    public string? CachePath { get; init; }

    /// <summary>How generated programs are isolated; Auto uses bubblewrap where it runs and says so when it falls back.</summary>
    public SandboxMode Sandbox { get; init; } = SandboxMode.Auto;

    /// <summary>Most problem-variant flows at once (default: the workflow's <c>concurrency</c>, else 4).</summary>
    public int? MaxFlows { get; init; }

    /// <summary>Most units of work (model calls, executions) in flight at once across the run.</summary>
    public int MaxWork { get; init; } = 32;

    /// <summary>Told every run event (progress displays, tests); the run store and telemetry are added to them.</summary>
    public ImmutableArray<IRunObserver> Observers { get; init; } = [];

    /// <summary>The configuration to use instead of the project's appsettings.json, environment and user secrets.</summary>
    public IConfiguration? Configuration { get; init; }

    /// <summary>Where the run logs (model retries and failures, store outages, sandbox fallbacks, flows); none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Also told the warnings about the run as a whole (the sandbox's fallback), for hosts without a logger.</summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>Flows finished by an earlier run of the same experiment, kept rather than run again.</summary>
    public IReadOnlyDictionary<FlowKey, FlowResult>? Completed { get; init; }

    /// <summary>Takes every n-th problem (or variant, see <see cref="ShardBy"/>): shard <c>Index</c> of <c>Count</c> (0-based).</summary>
    public (int Index, int Count)? Shard { get; init; }

    /// <summary>What <see cref="Shard"/> splits: the problems (each shard runs every variant on its problems) or the
    /// variants (each shard runs its variants on every problem: one hyperparameter row per Slurm array task).</summary>
    public ShardAxis ShardBy { get; init; } = ShardAxis.Problem;

    /// <summary>The run store: a PostgreSQL connection string or a SQLite path (default: <c>run.db</c> in <see cref="OutputDirectory"/>; none without either).</summary>
    public string? Store { get; init; }

    /// <summary>This process resumes run <see cref="RunId"/> (set by <see cref="RunPersistence.ResumeOptionsAsync"/>).</summary>
    public bool Resume { get; init; }

    /// <summary>A git folder where each problem's best program per variant is committed (every program with <see cref="CommitEvery"/>).</summary>
    public string? CommitPrograms { get; init; }

    /// <summary>Commit every program as it is scored, not only each flow's best after the run.</summary>
    public bool CommitEvery { get; init; }

    /// <summary>A git remote (URL or path) that the run's branch of <see cref="CommitPrograms"/> is pushed to.</summary>
    public string? CommitRemote { get; init; }

    /// <summary>How long the run waits out a run store that is away before it stops (default: the writer's, 2 minutes).</summary>
    public TimeSpan? StoreRetryFor { get; init; }

    /// <summary>
    /// The verdict cache: a file shared by runs whose programs and tests repeat (default: <c>verdicts.db</c> in
    /// <see cref="OutputDirectory"/>; none without either). <see cref="VerdictCacheOff"/> turns it off.
    /// </summary>
    public string? VerdictCachePath { get; init; }

    /// <summary>Every program runs, even when a verdict for it is cached.</summary>
    public bool VerdictCacheOff { get; init; }
}

/// <summary>
/// What the sandbox did in a run: test runs and checks executed, and those the verdict cache answered; verdicts the
/// cache could not store (with why), which a later run computes again.
/// </summary>
public sealed record ExecutionCounts(long Executed, long FromCache, string? VerdictCache, long VerdictsNotStored, string? VerdictCacheError);

/// <summary>What a shard of a run splits.</summary>
public enum ShardAxis
{
    /// <summary>Each shard runs every variant on its share of the problems.</summary>
    Problem,

    /// <summary>Each shard runs its share of the variants on every problem.</summary>
    Variant,
}

/// <summary>The outcome of <see cref="ExperimentRunner.RunAsync"/>.</summary>
public sealed record ExperimentResult(RunResult Run, WorkflowDefinition Workflow, string? SummaryPath, ImmutableArray<Diagnostic> Warnings, IReadOnlyDictionary<string, string> Models, SandboxInfo Sandbox)
{
    /// <summary>Where the run was stored (null: no store).</summary>
    public string? StorePath { get; init; }

    /// <summary>Flows taken from the store as finished by an earlier session.</summary>
    public int ResumedFlows { get; init; }

    /// <summary>Why the run store could not record the run (it then stopped the run), or null.</summary>
    public string? StoreError { get; init; }

    /// <summary>The run's caps and what was spent against them (null when the workflow sets no <c>run_budget</c>).</summary>
    public Models.Accounting.RunBudgetGate? RunBudget { get; init; }

    /// <summary>Programs executed and verdicts served by the verdict cache.</summary>
    public ExecutionCounts Execution { get; init; } = new(0, 0, null, 0, null);

    /// <summary>What <c>--commit-programs</c> committed and pushed (null without it).</summary>
    public ProgramCommitResult? ProgramCommits { get; init; }
}

/// <summary>
/// Turns a workflow file into a running experiment: validates it against the project (catalog, models, prompts,
/// datasets), loads its problems, starts the model layer and the sandbox, runs the engine and writes the summary.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>The activities seidr ships: the engine's own and the stage library.</summary>
    public static ActivityCatalog BuiltIn { get; } = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly, typeof(Draft).Assembly);

    private static readonly Lazy<(ActivityCatalog Catalog, IReadOnlyList<PluginProblem> Problems)> WithToolPlugins = new(() =>
    {
        var problems = new List<PluginProblem>();
        return (ActivityPlugins.Extend(BuiltIn, ActivityPlugins.InDirectory(ActivityPlugins.ToolDirectory), ActivityPlugins.ToolDirectory, problems), problems);
    });

    /// <summary>Every activity of every workflow: <see cref="BuiltIn"/> and the plugins in the tool's <c>plugins/</c> folder.</summary>
    public static ActivityCatalog Catalog => WithToolPlugins.Value.Catalog;

    /// <summary>Plugins in the tool's <c>plugins/</c> folder that could not be used (each is an error of every validation).</summary>
    public static IReadOnlyList<PluginProblem> ToolPluginProblems => WithToolPlugins.Value.Problems;

    /// <summary><see cref="Catalog"/> with more plugins (<c>--plugin</c>), relative to the working folder.</summary>
    public static ActivityCatalog CatalogWith(IEnumerable<string> plugins, List<PluginProblem> problems)
    {
        problems.AddRange(ToolPluginProblems);
        return ActivityPlugins.Extend(Catalog, plugins, Directory.GetCurrentDirectory(), problems);
    }

    /// <summary>
    /// The activities a workflow can use: <see cref="Catalog"/> and the plugins its <c>experiment.plugins</c> lists
    /// (relative to the workflow's folder). A plugin that cannot be used is an error located at that setting.
    /// </summary>
    public static ActivityCatalog CatalogFor(LoadedWorkflow loaded, out ImmutableArray<Diagnostic> problems)
    {
        var found = new List<Diagnostic>();
        const string at = "experiment." + ActivityPlugins.Setting;
        foreach (var p in ToolPluginProblems)
            found.Add(new Diagnostic(loaded.Path, SourceLocation.Start, "plugins", $"plugin {p.Path} in the tool's folder: {p.Message}"));
        var catalog = Catalog;
        if (loaded.Definition is { } workflow)
        {
            var paths = ActivityPlugins.Of(workflow.Experiment, out var settingProblem);
            if (settingProblem is not null) found.Add(new Diagnostic(loaded.Path, loaded.SourceMap.Locate(at), at, settingProblem));
            var pluginProblems = new List<PluginProblem>();
            catalog = ActivityPlugins.Extend(catalog, paths, Path.GetDirectoryName(Path.GetFullPath(loaded.Path))!, pluginProblems);
            found.AddRange(pluginProblems.Select(p => new Diagnostic(loaded.Path, loaded.SourceMap.Locate(at), at, $"plugin '{p.Path}': {p.Message}")));
        }
        problems = [.. found];
        return catalog;
    }

    /// <summary>Loads and validates a workflow file; errors and warnings, located.</summary>
    public static ImmutableArray<Diagnostic> Validate(string workflowPath, IConfiguration? configuration = null) =>
        Validate(WorkflowFile.Load(workflowPath), configuration);

    /// <summary>Validates a workflow already loaded (by the designer, or a test): the same checks as from its file.</summary>
    public static ImmutableArray<Diagnostic> Validate(LoadedWorkflow loaded, IConfiguration? configuration = null)
    {
        var layout = ProjectLayout.For(loaded.Path, configuration);
        var references = new WorkflowReferences(layout, Path.GetDirectoryName(Path.GetFullPath(loaded.Path))!);
        var catalog = CatalogFor(loaded, out var pluginProblems);
        var diagnostics = pluginProblems.AddRange(new WorkflowValidator(catalog, references).Validate(loaded));
        if (loaded.Definition is not { } workflow) return diagnostics;
        return diagnostics.AddRange(SettingErrors(workflow.Experiment).Select(e => new Diagnostic(loaded.Path, loaded.SourceMap.Locate(e.Path), e.Path, e.Message)));
    }

    /// <summary>The definition with every workflow used as an activity inlined, looked up under <paramref name="workflowDir"/>.</summary>
    public static WorkflowDefinition ExpandWorkflows(WorkflowDefinition definition, string workflowDir)
    {
        if (definition.Activities.All(a => a.Workflow is null)) return definition;
        var library = new WorkflowLibrary(workflowDir);
        return Composition.WorkflowComposer.Expand(definition, id => library.Find(id)?.Definition);
    }

    /// <summary>Errors in the experiment's language, language axis and PSB2 split, with their field paths.</summary>
    private static IEnumerable<(string Path, string Message)> SettingErrors(ExperimentSettings experiment)
    {
        var errors = new List<(string, string)>(ExperimentExtras.CheckLanguageAxis(experiment));
        try { ExperimentExtras.LanguageOf(experiment); }
        catch (SettingException e) { errors.Add((e.PathName, e.Reason)); }
        try { ExperimentExtras.SplitOf(experiment); }
        catch (SettingException e) { errors.Add((e.PathName, e.Reason)); }
        return errors;
    }

    /// <summary>Runs the experiment. Throws <see cref="WorkflowException"/> when the file is invalid (nothing runs then).</summary>
    public static async Task<ExperimentResult> RunAsync(ExperimentOptions options, CancellationToken cancellationToken = default)
    {
        var loaded = WorkflowFile.Load(options.WorkflowPath);
        var diagnostics = Validate(loaded, options.Configuration);
        if (diagnostics.Any(d => d.Severity == Severity.Error)) throw new WorkflowException(diagnostics);
        var catalog = CatalogFor(loaded, out _);
        if (loaded.Definition!.Experiment.Dataset is null)
            throw new WorkflowException([new Diagnostic(loaded.Path, loaded.SourceMap.Locate("experiment.dataset"), "experiment.dataset",
                "the workflow is usable as an activity and names no dataset, so it cannot run on its own: run a workflow that uses it (or give it an experiment)")]);
        var layout = ProjectLayout.For(options.WorkflowPath, options.Configuration);
        var workflowDir = Path.GetDirectoryName(Path.GetFullPath(options.WorkflowPath))!;
        // Workflows used as activities are inlined (validated above), so the engine runs one flat flowchart.
        var workflow = ExpandWorkflows(loaded.Definition!, workflowDir);
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var log = loggers.CreateLogger("Seidr.Workflows.Run");

        TimeSpan? judgeTimeout;
        try { judgeTimeout = HiddenTestJudge.TimeoutOf(workflow.Experiment); }
        catch (ArgumentException e)
        {
            var at = "experiment." + HiddenTestJudge.TimeoutSetting;
            throw new WorkflowException([new Diagnostic(loaded.Path, loaded.SourceMap.Locate(at), at, e.Message)]);
        }
        var allProblems = LoadProblems(workflow, layout, workflowDir, options with { Shard = null }, loaded);
        var allVariants = MatrixExpander.Expand(workflow.Experiment.Matrix).Where(v => options.Variants is null || options.Variants.Contains(v.Id)).ToList();
        var (problems, variants) = Split(options, loaded, allProblems, allVariants);
        var runId = options.RunId ?? WorkflowEngine.NewRunId();
        var cachePath = options.CachePath ?? (options.OutputDirectory is null ? null : Path.Combine(options.OutputDirectory, "responses.db"));
        var storeLocation = RunPersistence.Locate(options.Store, options.OutputDirectory);
        // A store that stays away past its limit stops the run (through this source): the flows finished so far are
        // kept in summary.json and flows.jsonl, and --resume finishes the run once the store is back.
        using var storeStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Persistence.RunStoreException? storeFailure = null;
        var writerOptions = new Persistence.RunStoreWriterOptions
        {
            Logger = loggers.CreateLogger("Seidr.Workflows.Store"),
            OnFailed = e =>
            {
                storeFailure ??= e;
                try { storeStop.Cancel(); } catch (ObjectDisposedException) { }
            },
        };
        if (options.StoreRetryFor is { } retryFor) writerOptions = writerOptions with { RetryFor = retryFor };
        await using var session = storeLocation is null ? null : await (await Persistence.RunStore.OpenAsync(storeLocation, cancellationToken)).BeginAsync(
            RunPersistence.StartOf(options, loaded, workflow, runId, allVariants, variants, allProblems, problems, cachePath,
                await RunPersistence.GitCommitOfAsync(options.WorkflowPath, cancellationToken)), writerOptions, cancellationToken);
        var completed = options.Completed;
        if (session is not null && session.Completed.Count > 0)
            completed = options.Completed is null ? session.Completed : session.Completed.Concat(options.Completed).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        // The programs' git folder is opened (init, the run's branch) before anything runs, so a bad folder fails early.
        await using var committer = options.CommitPrograms is null ? null : await ProgramCommitter.OpenAsync(new ProgramCommitOptions
        {
            Directory = options.CommitPrograms, RunId = runId, Every = options.CommitEvery, Remote = options.CommitRemote, Shard = options.Shard,
        }, cancellationToken);
        var runBudget = workflow.Experiment.RunBudget;
        var budgetGate = runBudget.IsBounded ? new Models.Accounting.RunBudgetGate(runBudget.Cost, runBudget.Calls, runBudget.Tokens) : null;
        using var models = ModelLayer.Create(layout.Configuration,
            workflow.Experiment.Models.ToDictionary(kv => kv.Key, kv => WorkflowReferences.ToPlain(kv.Value)),
            new ModelLayerOptions
            {
                BaseDirectory = workflowDir,
                ConfigurationDirectory = layout.Root,
                PromptsDirectory = layout.PromptsDirectory,
                CacheMode = options.Cache,
                CachePath = cachePath,
                ExportTelemetry = false,
                LoggerFactory = loggers,
                RunBudget = budgetGate,
            });
        using var telemetry = TelemetryExport.Start(layout.Configuration);
        using var engineTelemetry = new EngineTelemetry();
        var verdictPath = options.VerdictCacheOff ? null
            : options.VerdictCachePath ?? (options.OutputDirectory is null ? null : Path.Combine(options.OutputDirectory, "verdicts.db"));
        // A cache that cannot be opened throws IOException naming the file (the CLI prints it on one line).
        await using var verdicts = verdictPath is null ? null : Execution.Cache.VerdictCache.Open(verdictPath);
        await using var runner = await SandboxRunner.StartAsync(new RunnerOptions
        {
            Sandbox = options.Sandbox,
            OnWarning = w => { log.LogWarning("{Warning}", w); options.OnWarning?.Invoke(w); },
            VerdictCache = verdicts,
        }, cancellationToken);
        // Verdicts the run's flows share, released when the run ends and never seen by another run in this process.
        using var runVerdicts = new RunVerdicts();
        var services = new ServiceMap()
            .Add(models)
            .Add(runner)
            .Add(runVerdicts)
            .Add<ISubmissionJudge>(new HiddenTestJudge(runner, judgeTimeout));

        var result = await new WorkflowEngine().RunAsync(workflow, new RunOptions
        {
            Catalog = catalog,
            Problems = problems,
            Services = services,
            RunId = runId,
            Seed = options.Seed,
            MaxFlows = options.MaxFlows,
            MaxWork = options.MaxWork,
            Observers = (session is null ? options.Observers : options.Observers.Add(session.Writer)).Add(engineTelemetry).Add(new RunLogObserver(log))
                .AddRange(committer is null ? Array.Empty<IRunObserver>() : [committer]),
            Completed = completed,
            VariantFilter = variants.Count == allVariants.Count ? options.Variants : variants.Select(v => v.Id).ToHashSet(StringComparer.Ordinal),
        }, storeStop.Token);

        var used = UsedModels(workflow, catalog);
        var modelKinds = models.Models.Where(kv => used.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value.Kind.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        if (session is not null)
        {
            try { await session.EndAsync(result.Status, CancellationToken.None); }
            catch (Persistence.RunStoreException e) { storeFailure ??= e; }
        }
        if (storeFailure is not null && !cancellationToken.IsCancellationRequested)
            result = result with { Status = RunStatus.Failed, Error = result.Error ?? storeFailure.Message };
        string? summaryPath = null;
        if (options.OutputDirectory is not null)
        {
            Directory.CreateDirectory(options.OutputDirectory);
            summaryPath = Path.Combine(options.OutputDirectory, "summary.json");
            if (verdicts is not null) await verdicts.DisposeAsync(); // every verdict written before the summary counts them
            Summary.Write(summaryPath, result, workflow, options.WorkflowPath, modelKinds, runner.Sandbox, budgetGate, Counts(runner, verdicts));
            Summary.WriteFlows(Path.Combine(options.OutputDirectory, "flows.jsonl"), result);
        }
        ProgramCommitResult? commits = null;
        if (committer is not null)
        {
            commits = await committer.FinishAsync(result, CancellationToken.None);
            if (commits.Problem is { } problem) log.LogError("{Problem}", problem);
        }
        return new ExperimentResult(result, workflow, summaryPath, [.. diagnostics.Where(d => d.Severity == Severity.Warning)], modelKinds, runner.Sandbox)
        {
            StorePath = storeLocation?.Display,
            ResumedFlows = session?.Completed.Count ?? 0,
            StoreError = storeFailure?.Message,
            RunBudget = budgetGate,
            Execution = Counts(runner, verdicts),
            ProgramCommits = commits,
        };
    }

    private static ExecutionCounts Counts(SandboxRunner runner, Execution.Cache.VerdictCache? verdicts) =>
        new(runner.Executed, runner.FromCache, verdicts?.Path, verdicts?.Dropped ?? 0, verdicts?.Error);

    /// <summary>
    /// This process's problems and variants: all of them, or its shard's share of the problems (every n-th from the
    /// i-th) or of the variants (the same, in matrix order). A variant shard that gets no variant is an error naming
    /// the matrix: the array is larger than the matrix.
    /// </summary>
    private static (IReadOnlyList<Problem> Problems, IReadOnlyList<Variant> Variants) Split(ExperimentOptions options, LoadedWorkflow loaded,
        IReadOnlyList<Problem> problems, IReadOnlyList<Variant> variants)
    {
        if (options.Shard is not { } shard) return (problems, variants);
        if (options.ShardBy == ShardAxis.Problem) return (problems.Where((_, i) => i % shard.Count == shard.Index).ToList(), variants);
        var mine = variants.Where((_, i) => i % shard.Count == shard.Index).ToList();
        if (mine.Count == 0)
        {
            const string at = "experiment.matrix";
            throw new WorkflowException([new Diagnostic(loaded.Path, loaded.SourceMap.Locate(at), at,
                $"shard {shard.Index}/{shard.Count} by variant has no variant: the matrix has {variants.Count} (after --variant); use --array=0-{variants.Count - 1} or fewer shards")]);
        }
        return (problems, mine);
    }

    /// <summary>Models the workflow declares or names in a model input (for any variant).</summary>
    public static IReadOnlySet<string> UsedModels(WorkflowDefinition workflow, ActivityCatalog? catalog = null)
    {
        catalog ??= Catalog;
        var used = new HashSet<string>(workflow.Experiment.Models.Keys, StringComparer.Ordinal);
        foreach (var variant in MatrixExpander.Expand(workflow.Experiment.Matrix))
            foreach (var node in workflow.Activities)
                if (catalog.Find(node.Type) is { } d)
                    foreach (var input in d.Inputs.Where(i => i.Reference == InputReference.Model))
                        if (node.Inputs.TryGetValue(input.Name, out var v) && InputBinder.Substitute(v.Value, variant)?.ToString() is { Length: > 0 } name)
                            used.Add(name);
        return used;
    }

    internal static IReadOnlyList<Problem> LoadProblems(WorkflowDefinition workflow, ProjectLayout layout, string workflowDir, ExperimentOptions options, LoadedWorkflow loaded)
    {
        var all = new DatasetCatalog(layout.DataDirectory).Load(workflow.Experiment.Dataset!, workflowDir, ExperimentExtras.SplitOf(workflow.Experiment));
        // The experiment's language is every problem's (a 'language' matrix axis still sets it per variant).
        if (ExperimentExtras.LanguageOf(workflow.Experiment) is { } language)
            all = all.Select(p => p with { Language = language }).ToList();
        IReadOnlyList<Problem> selected;
        try
        {
            selected = new ProblemSelection(options.Problems ?? workflow.Experiment.Problems ?? "all").Apply(all);
        }
        catch (ProblemSelectionException e)
        {
            var path = "experiment.problems";
            throw new WorkflowException([new Diagnostic(loaded.Path, options.Problems is null ? loaded.SourceMap.Locate(path) : SourceLocation.Start, path, e.Message)]);
        }
        if (options.Shard is { } shard)
            selected = selected.Where((_, i) => i % shard.Count == shard.Index).ToList();
        return selected;
    }
}

/// <summary>A minimal service provider: one instance per type.</summary>
internal sealed class ServiceMap : IServiceProvider
{
    private readonly Dictionary<Type, object> _services = [];
    public ServiceMap Add<T>(T service) where T : notnull { _services[typeof(T)] = service; return this; }
    public object? GetService(Type serviceType) => _services.GetValueOrDefault(serviceType);
}
