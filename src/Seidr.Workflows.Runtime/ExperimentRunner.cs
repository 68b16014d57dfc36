using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Activities.Judging;
using Seidr.Workflows.Activities.Stages;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Datasets.Problems;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Models;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Serialization;
using Seidr.Workflows.Validation;
using RunResult = Seidr.Workflows.Engine.RunResult;

namespace Seidr.Workflows.Runtime;

/// <summary>What to run and how.</summary>
public sealed record ExperimentOptions
{
    public required string WorkflowPath { get; init; }

    /// <summary>Where <c>summary.json</c> and <c>flows.jsonl</c> go; nothing is written when null.</summary>
    public string? OutputDirectory { get; init; }
    public string? RunId { get; init; }
    public int? Seed { get; init; }

    /// <summary>Overrides the workflow's problem selection.</summary>
    public string? Problems { get; init; }

    /// <summary>Only these variant ids run.</summary>
    public IReadOnlySet<string>? Variants { get; init; }
    public CacheMode? Cache { get; init; }
    public string? CachePath { get; init; }
    public SandboxMode Sandbox { get; init; } = SandboxMode.Auto;
    public int? MaxFlows { get; init; }
    public int MaxWork { get; init; } = 32;
    public ImmutableArray<IRunObserver> Observers { get; init; } = [];
    public IConfiguration? Configuration { get; init; }
    public Action<string>? OnWarning { get; init; }

    /// <summary>Flows finished by an earlier run of the same experiment, kept rather than run again.</summary>
    public IReadOnlyDictionary<FlowKey, FlowResult>? Completed { get; init; }

    /// <summary>Takes every n-th problem: shard <c>Index</c> of <c>Count</c> (0-based).</summary>
    public (int Index, int Count)? Shard { get; init; }
}

/// <summary>The outcome of <see cref="ExperimentRunner.RunAsync"/>.</summary>
public sealed record ExperimentResult(RunResult Run, WorkflowDefinition Workflow, string? SummaryPath, ImmutableArray<Diagnostic> Warnings, IReadOnlyDictionary<string, string> Models, SandboxInfo Sandbox);

/// <summary>
/// Turns a workflow file into a running experiment: validates it against the project (catalog, models, prompts,
/// datasets), loads its problems, starts the model layer and the sandbox, runs the engine and writes the summary.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>Every activity this build knows: the engine's own and the stage library.</summary>
    public static ActivityCatalog Catalog { get; } = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly, typeof(Draft).Assembly);

    /// <summary>Loads and validates a workflow file; errors and warnings, located.</summary>
    public static ImmutableArray<Diagnostic> Validate(string workflowPath, IConfiguration? configuration = null) =>
        Validate(WorkflowFile.Load(workflowPath), configuration);

    public static ImmutableArray<Diagnostic> Validate(LoadedWorkflow loaded, IConfiguration? configuration = null)
    {
        var layout = ProjectLayout.For(loaded.Path, configuration);
        var references = new WorkflowReferences(layout, Path.GetDirectoryName(Path.GetFullPath(loaded.Path))!);
        return new WorkflowValidator(Catalog, references).Validate(loaded);
    }

    /// <summary>Runs the experiment. Throws <see cref="WorkflowException"/> when the file is invalid (nothing runs then).</summary>
    public static async Task<ExperimentResult> RunAsync(ExperimentOptions options, CancellationToken cancellationToken = default)
    {
        var loaded = WorkflowFile.Load(options.WorkflowPath);
        var diagnostics = Validate(loaded, options.Configuration);
        if (diagnostics.Any(d => d.Severity == Severity.Error)) throw new WorkflowException(diagnostics);
        var workflow = loaded.Definition!;
        var layout = ProjectLayout.For(options.WorkflowPath, options.Configuration);
        var workflowDir = Path.GetDirectoryName(Path.GetFullPath(options.WorkflowPath))!;

        var problems = LoadProblems(workflow, layout, workflowDir, options, loaded);
        var runId = options.RunId ?? WorkflowEngine.NewRunId();
        using var models = ModelLayer.Create(layout.Configuration,
            workflow.Experiment.Models.ToDictionary(kv => kv.Key, kv => WorkflowReferences.ToPlain(kv.Value)),
            new ModelLayerOptions
            {
                BaseDirectory = workflowDir,
                PromptsDirectory = layout.PromptsDirectory,
                CacheMode = options.Cache,
                CachePath = options.CachePath ?? (options.OutputDirectory is null ? null : Path.Combine(options.OutputDirectory, "responses.db")),
                ExportTelemetry = false,
            });
        using var telemetry = TelemetryExport.Start(layout.Configuration);
        using var engineTelemetry = new EngineTelemetry();
        await using var runner = await SandboxRunner.StartAsync(new RunnerOptions { Sandbox = options.Sandbox, OnWarning = options.OnWarning }, cancellationToken);
        var services = new ServiceMap()
            .Add(models)
            .Add(runner)
            .Add<ISubmissionJudge>(new HiddenTestJudge(runner));

        var result = await new WorkflowEngine().RunAsync(workflow, new RunOptions
        {
            Catalog = Catalog,
            Problems = problems,
            Services = services,
            RunId = runId,
            Seed = options.Seed,
            MaxFlows = options.MaxFlows,
            MaxWork = options.MaxWork,
            Observers = options.Observers.Add(engineTelemetry),
            Completed = options.Completed,
            VariantFilter = options.Variants,
        }, cancellationToken);

        var used = UsedModels(workflow);
        var modelKinds = models.Models.Where(kv => used.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => kv.Value.Kind.ToString().ToLowerInvariant(), StringComparer.Ordinal);
        string? summaryPath = null;
        if (options.OutputDirectory is not null)
        {
            Directory.CreateDirectory(options.OutputDirectory);
            summaryPath = Path.Combine(options.OutputDirectory, "summary.json");
            Summary.Write(summaryPath, result, workflow, options.WorkflowPath, modelKinds, runner.Sandbox);
            Summary.WriteFlows(Path.Combine(options.OutputDirectory, "flows.jsonl"), result);
        }
        return new ExperimentResult(result, workflow, summaryPath, [.. diagnostics.Where(d => d.Severity == Severity.Warning)], modelKinds, runner.Sandbox);
    }

    /// <summary>Models the workflow declares or names in a model input (for any variant).</summary>
    public static IReadOnlySet<string> UsedModels(WorkflowDefinition workflow)
    {
        var used = new HashSet<string>(workflow.Experiment.Models.Keys, StringComparer.Ordinal);
        foreach (var variant in MatrixExpander.Expand(workflow.Experiment.Matrix))
            foreach (var node in workflow.Activities)
                if (Catalog.Find(node.Type) is { } d)
                    foreach (var input in d.Inputs.Where(i => i.Reference == InputReference.Model))
                        if (node.Inputs.TryGetValue(input.Name, out var v) && InputBinder.Substitute(v.Value, variant)?.ToString() is { Length: > 0 } name)
                            used.Add(name);
        return used;
    }

    public static IReadOnlyList<Problem> LoadProblems(WorkflowDefinition workflow, ProjectLayout layout, string workflowDir, ExperimentOptions options, LoadedWorkflow loaded)
    {
        var all = new DatasetCatalog(layout.DataDirectory).Load(workflow.Experiment.Dataset!, workflowDir);
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
public sealed class ServiceMap : IServiceProvider
{
    private readonly Dictionary<Type, object> _services = [];
    public ServiceMap Add<T>(T service) where T : notnull { _services[typeof(T)] = service; return this; }
    public object? GetService(Type serviceType) => _services.GetValueOrDefault(serviceType);
}
