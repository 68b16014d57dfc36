using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Serialization;
using Seidr.Workflows.Runtime;
using Seidr.Workflows.Validation;

namespace Seidr.Workflows.Designer;

/// <summary>How <see cref="DesignerHost"/> serves the Elsa Studio designer over a folder of workflow files.</summary>
public sealed record DesignerOptions
{
    /// <summary>The folder scanned (recursively) for workflow files: *.yaml, *.yml and *.json whose content is a workflow.</summary>
    public required string WorkflowsDirectory { get; init; }

    /// <summary>The activities offered in the palette and checked by the validator; null is every activity of this build (<see cref="ExperimentRunner.Catalog"/>).</summary>
    public ActivityCatalog? Catalog { get; init; }

    /// <summary>Address to bind. Anything but loopback requires <see cref="ApiKey"/>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port to bind; 0 picks a free one (see <see cref="DesignerHost.Url"/>).</summary>
    public int Port { get; init; } = 5000;

    /// <summary>When set, every API call and the page need it (<c>Authorization: ApiKey &lt;key&gt;</c>, or <c>?key=</c> once for the page).</summary>
    public string? ApiKey { get; init; }

    /// <summary>The unpacked npm package @elsa-workflows/elsa-studio-wasm; null tries $SEIDR_STUDIO_DIR, then <c>src/Seidr.Workflows.Designer/wwwroot/studio</c> above the current directory or the application, then <c>wwwroot/studio</c> beside the application.</summary>
    public string? StudioDirectory { get; init; }

    /// <summary>
    /// Validation used on save and before a run; null is <c>seidr validate</c>'s (<see cref="ExperimentRunner.Validate(LoadedWorkflow, IConfiguration?)"/>:
    /// the project's models, prompts and datasets), or, with a custom <see cref="Catalog"/>, <see cref="WorkflowValidator"/> over it.
    /// </summary>
    public Func<LoadedWorkflow, ImmutableArray<Diagnostic>>? Validate { get; init; }

    /// <summary>Runs a workflow started from the designer; null is <c>seidr run</c>'s runner (<see cref="DesignerRunners.Runtime"/>).</summary>
    internal DesignerRunner? Runner { get; init; }

    /// <summary>Configuration for runs and validation (models, prompts, data); null reads the project's appsettings.json, environment and user secrets.</summary>
    public IConfiguration? Configuration { get; init; }

    /// <summary>Where runs started from the designer write their output, one folder per run; null is <c>runs/</c> in the project root.</summary>
    public string? RunsDirectory { get; init; }

    /// <summary>
    /// The shared run store (a SQLite file or a PostgreSQL connection string, as <c>seidr run --store</c> takes): runs
    /// started from the page write to it, and the runs page lists and follows every run in it, also those of other
    /// processes. Null: each page run writes <c>run.db</c> in its output folder, and the runs page reads those.
    /// </summary>
    public string? Store { get; init; }

    /// <summary>How often the runs page reads a running run's progress from its store (once per run, however many pages watch).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the host logs requests that failed and how runs ended; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>Runs one workflow for the designer. The observer receives the engine's events (for progress).</summary>
internal delegate Task<DesignerRunOutcome> DesignerRunner(DesignerRunRequest request, CancellationToken cancellationToken);

/// <param name="RunId">The run's id, also the Elsa workflow instance id.</param>
/// <param name="WorkflowPath">The workflow file, as saved.</param>
/// <param name="Definition">The definition read from that file.</param>
/// <param name="OutputDirectory">A fresh folder for this run's output.</param>
/// <param name="Observer">Receives run events; pass it to the engine.</param>
internal sealed record DesignerRunRequest(string RunId, string WorkflowPath, WorkflowDefinition Definition, string OutputDirectory, IRunObserver Observer);

/// <param name="Result">Per-variant metrics.</param>
/// <param name="SummaryPath">The run's summary file, if the runner wrote one.</param>
internal sealed record DesignerRunOutcome(RunResult Result, string? SummaryPath = null);

/// <summary>Runners for the designer.</summary>
internal static class DesignerRunners
{
    /// <summary>Runs the saved file exactly as <c>seidr run FILE --out DIR</c> would, with the workflow's own models (scripted and replay work offline).</summary>
    public static DesignerRunner Runtime(IConfiguration? configuration = null, Action<string>? onWarning = null, string? store = null) => async (request, cancellationToken) =>
    {
        var result = await ExperimentRunner.RunAsync(new ExperimentOptions
        {
            WorkflowPath = request.WorkflowPath,
            OutputDirectory = request.OutputDirectory,
            Store = store,
            RunId = request.RunId,
            Observers = [request.Observer],
            Configuration = configuration,
            OnWarning = onWarning,
        }, cancellationToken);
        return new DesignerRunOutcome(result.Run, result.SummaryPath);
    };
}
