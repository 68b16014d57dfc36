using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Activities.Judging;
using Seidr.Workflows.Activities.Stages;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Models;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Runtime;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Activities.Tests.Stages.Support;

/// <summary>One sandbox runner shared by the stage tests (real execution, no mocks).</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public SandboxRunner Runner { get; private set; } = null!;
    public async Task InitializeAsync() => Runner = await SandboxRunner.StartAsync(new RunnerOptions { Sandbox = SandboxMode.Auto, OnWarning = _ => { } });
    public async Task DisposeAsync() => await Runner.DisposeAsync();
}

[CollectionDefinition("stages")]
public sealed class StagesCollection : ICollectionFixture<SandboxFixture>;

public static class Repo
{
    public static string Root => global::Seidr.Workflows.Tests.RepoRoot.Path;
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}

/// <summary>What a run of a small test workflow left behind: each probe's inputs and the flows' results.</summary>
public sealed record StageRun(RunResult Result, IReadOnlyDictionary<string, IReadOnlyList<Population>> Probes, IReadOnlyList<RunEvent> Events)
{
    /// <summary>The problem each probe saw.</summary>
    public IReadOnlyDictionary<string, Problem> ProblemsSeen { get; init; } = new Dictionary<string, Problem>();

    /// <summary>The run's verdicts service (disposed: the run has ended), and how many entries it held at the end.</summary>
    public RunVerdicts Verdicts { get; init; } = null!;
    public int VerdictsHeld { get; init; }

    public FlowResult Flow => Result.Variants.Single().Flows.Single();

    /// <summary>The population the probe received (its only invocation).</summary>
    public Population At(string probe) => Probes.TryGetValue(probe, out var p) ? p.Single() : throw new KeyNotFoundException($"probe '{probe}' never ran; probes that ran: {string.Join(", ", Probes.Keys)}");
    public bool Reached(string probe) => Probes.ContainsKey(probe);
}

/// <summary>
/// Runs a small workflow with the real engine, the real model layer (a scripted model from an inline script, the
/// repository's prompts) and the real sandbox. Test activities seed populations and record what reaches them.
/// </summary>
public static class StageHarness
{
    public static ActivityCatalog Catalog { get; } = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly, typeof(Draft).Assembly, typeof(Probe).Assembly);

    public static Problem AddProblem { get; } = new()
    {
        Id = "Test/add",
        Dataset = "test",
        Prompt = "def add(a, b):\n    \"\"\"Return the sum of a and b.\n    >>> add(1, 2)\n    3\n    \"\"\"\n",
        EntryPoint = "add",
        Visible = [new AssertTest("assert add(1, 2) == 3"), new AssertTest("assert add(-1, 1) == 0")],
        Hidden = [new AssertTest("assert add(10, 5) == 15"), new AssertTest("assert add(0, 0) == 0")],
    };

    /// <summary>
    /// Runs <paramref name="activitiesYaml"/> (a <see cref="StageFlow"/>, or the YAML of activities and connections) on
    /// one problem; the model <c>coder</c> answers from <paramref name="script"/>, or is <paramref name="coder"/>'s definition.
    /// </summary>
    public static async Task<StageRun> RunAsync(SandboxRunner runner, string activitiesYaml, string script, Problem? problem = null,
        string budget = "max_programs: 50", string matrix = "", bool withVerdicts = true, IReadOnlyDictionary<string, object?>? coder = null)
    {
        var dir = Directory.CreateTempSubdirectory("seidr-stage-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "model.yaml"), script);
            var yaml = $$"""
                id: stage-test
                experiment:
                  dataset: test
                  seed: 3
                  models:
                    coder: {provider: scripted, file: model.yaml}
                  budget: {{{budget}}}
                {{matrix}}
                {{activitiesYaml}}
                """;
            var loaded = WorkflowFile.Parse(yaml, Path.Combine(dir, "workflow.yaml"), WorkflowFormat.Yaml);
            var definition = loaded.Definition ?? throw new InvalidOperationException(string.Join("\n", loaded.Diagnostics));
            using var models = ModelLayer.Create(new ConfigurationBuilder().Build(),
                new Dictionary<string, IReadOnlyDictionary<string, object?>> { ["coder"] = coder ?? new Dictionary<string, object?> { ["provider"] = "scripted", ["file"] = "model.yaml" } },
                new ModelLayerOptions { BaseDirectory = dir, PromptsDirectory = Repo.Path("prompts"), CacheMode = CacheMode.Off, ExportTelemetry = false });
            var runId = Guid.NewGuid().ToString("N");
            var verdicts = new RunVerdicts();
            var events = new ConcurrentQueue<RunEvent>();
            var result = await new WorkflowEngine().RunAsync(definition, new RunOptions
            {
                Catalog = Catalog,
                Problems = [problem ?? AddProblem],
                Services = (withVerdicts ? new ServiceMap().Add(verdicts) : new ServiceMap()).Add(models).Add(runner).Add<ISubmissionJudge>(new HiddenTestJudge(runner)),
                RunId = runId,
                MaxFlows = 1,
                Observers = [new DelegateObserver(events.Enqueue)],
            });
            var probes = Probe.Seen.Where(kv => kv.Key.RunId == runId)
                .ToDictionary(kv => kv.Key.Activity, kv => (IReadOnlyList<Population>)kv.Value.ToList());
            var seen = Probe.Problems.Where(kv => kv.Key.RunId == runId).ToDictionary(kv => kv.Key.Activity, kv => kv.Value);
            var held = verdicts.Count;
            verdicts.Dispose(); // as a host does when its run ends
            return new StageRun(result, probes, events.ToList()) { ProblemsSeen = seen, Verdicts = verdicts, VerdictsHeld = held };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>Records every population that reaches it (per run and activity id) and passes it on.</summary>
[Activity("Test", "Probe", Category = "Test", Spends = false)]
[Outcome("Done")]
public sealed class Probe : Activity
{
    public static readonly ConcurrentDictionary<(string RunId, string Activity), ConcurrentQueue<Population>> Seen = new();

    /// <summary>The problem as the probe saw it (what every stage may read).</summary>
    public static readonly ConcurrentDictionary<(string RunId, string Activity), Problem> Problems = new();

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Seen.GetOrAdd((context.RunId, context.ActivityId), _ => new()).Enqueue(context.Input);
        Problems[(context.RunId, context.ActivityId)] = context.Problem;
        return Task.FromResult(ActivityResult.Of("Done", context.Input));
    }
}

/// <summary>Creates candidates of one kind from its input text (items separated by a line of three dashes).</summary>
[Activity("Test", "Seed", Category = "Test", Spends = false)]
[Outcome("Done")]
public sealed class Seed : Activity
{
    [Input] public string Kind { get; set; } = CandidateKinds.Program;
    [Input] public string Items { get; set; } = "";

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var made = Items.Split("\n---\n").Where(s => s.Trim().Length > 0)
            .Select(s => context.Create(Kind, s.Trim('\n') + "\n", model: "seed", prompt: "seed")).ToList();
        return Task.FromResult(ActivityResult.Of("Done", context.Input.Concat(made)));
    }
}
