using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Engine.Benchmarks;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Serialization;

// Engine overhead: a SEIDR-shaped loop (generate 10, score, beam of 2, 2 children each, ...) over 100 problems
// until each has 100 programs: 10,000 program candidates with an instant model and no-op execution.
// `--quick` prints candidates per second (median of 5 runs after a warm-up); otherwise BenchmarkDotNet runs.
if (args.Contains("--quick"))
{
    var bench = new EngineOverhead();
    bench.Setup();
    await bench.Run(); // warm-up
    var rates = new List<double>();
    for (int i = 0; i < 5; i++)
    {
        var clock = Stopwatch.StartNew();
        var candidates = await bench.Run();
        rates.Add(candidates / clock.Elapsed.TotalSeconds);
        Console.WriteLine($"run {i + 1}: {candidates} candidates in {clock.Elapsed.TotalMilliseconds:0} ms = {candidates / clock.Elapsed.TotalSeconds:N0} candidates/s");
    }
    rates.Sort();
    Console.WriteLine($"median: {rates[2]:N0} candidates/s");
    return;
}
BenchmarkRunner.Run<EngineOverhead>(args: args);

[MemoryDiagnoser]
public class EngineOverhead
{
    public const string Workflow = """
        id: engine-overhead
        experiment:
          dataset: bench
          concurrency: 8
          budget:
            max_programs: 100
        activities:
        - id: draft
          type: Bench.Generate
          inputs:
            count: 10
        - id: score
          type: Bench.Score
        - id: beam
          type: Bench.Beam
        - id: repair
          type: Bench.Generate
          inputs:
            count: 2
        - id: submit
          type: Seidr.Submit
        connections:
        - draft.Done -> score
        - score.Done -> beam
        - beam.Beam -> repair
        - repair.Done -> score
        - beam.Exhausted -> submit
        - repair.Exhausted -> submit
        """;

    private Seidr.Workflows.Definitions.WorkflowDefinition _workflow = null!;
    private RunOptions _options = null!;
    private int _created;

    [GlobalSetup]
    public void Setup()
    {
        _workflow = YamlWorkflowFormat.Read(Workflow, "bench.yaml").RequireDefinition();
        var problems = Enumerable.Range(0, 100).Select(i => new Problem { Id = $"P{i}", Dataset = "bench", Prompt = "" }).ToArray();
        _options = new RunOptions
        {
            Catalog = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly, typeof(Generate).Assembly),
            Problems = problems,
            Observers = [new DelegateObserver(e => { if (e is CandidateCreated) Interlocked.Increment(ref _created); })],
        };
    }

    [Benchmark(Description = "10,000-program SEIDR-shaped run, instant model")]
    public async Task<int> Run()
    {
        _created = 0;
        var result = await new WorkflowEngine().RunAsync(_workflow, _options);
        var programs = (int)result.Variants[0].Metrics["programs"];
        if (programs < 10_000) throw new InvalidOperationException($"expected 10,000 programs, got {programs}");
        return _created;
    }
}
