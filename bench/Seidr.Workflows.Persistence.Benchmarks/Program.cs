using System.Diagnostics;
using Activity = Seidr.Workflows.Engine.Activity;
using ActivityContext = Seidr.Workflows.Engine.ActivityContext;
using System.Globalization;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Persistence.Benchmarks;
using Seidr.Workflows.Serialization;

// Store overhead on a 10,000-candidate run: the engine benchmark's SEIDR-shaped loop (generate 10, score, beam of 2,
// 2 repairs each, ...) over 100 problems until each has 100 programs, run without a store and with the run store
// (SQLite in a temp folder by default; `--store CONNECTION` for PostgreSQL), alternating, after a warm-up pair.
//
//   --model-ms N   each model call waits N ms (default 20; a real call takes 1-20 s)
//   --exec-ms N    each program's execution is N ms of CPU work on a thread of its own (default 1; a sandboxed
//                  program takes 50-200 ms)
//   --rounds N     pairs measured (default 3)
//   --problems N   problems (default 100: 10,200 candidates)
//   --flush-ms N, --max-batch N   the writer's FlushInterval and MaxBatch (defaults 200 ms and 5,000 events)
//   --realistic    a run shaped like a real one: model calls of 1,000 ms, 45 ms of execution per program (what a
//                  sandboxed program cost in CPU on this project's VM, docs/execution.md; here a thread spinning for
//                  45 ms, which is 45 ms of CPU only when a core is free) and 8 problems (816 candidates; one flow per
//                  concurrency slot, so a round takes ~30 s instead of ~20 min); --model-ms/--exec-ms/--problems
//                  still override it
//
// `--model-ms 0 --exec-ms 0` is the worst case (instant model, no-op execution: nothing but the engine and the store).
// Prints per round and the medians: the run's time until the engine returns, and until every event is written; the
// process's CPU seconds; and the CPU time of the writer's thread while it wrote (the store's own cost, Linux only).
//   --ids          instead: Guid.CreateVersion7() against the writer's Uuid7Source, one million ids of each, 4 rounds
//                  (docs/benchmarks.md, "Store ids")
if (args.Contains("--ids"))
{
    IdCost.Print();
    return;
}
static string Arg(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? "";
var storeArg = Arg(args, "--store");
var rounds = int.TryParse(Arg(args, "--rounds"), out var r) ? r : 3;
var realistic = args.Contains("--realistic");
Pace.ModelMs = int.TryParse(Arg(args, "--model-ms"), out var m) ? m : realistic ? 1000 : 20;
Pace.ExecMs = double.TryParse(Arg(args, "--exec-ms"), CultureInfo.InvariantCulture, out var x) ? x : realistic ? 45 : 1;
var writerCpu = new WriterCpu();
var writerOptions = new RunStoreWriterOptions { OnBatch = writerCpu.Batch };
if (int.TryParse(Arg(args, "--flush-ms"), out var fm)) writerOptions = writerOptions with { FlushInterval = TimeSpan.FromMilliseconds(fm) };
if (int.TryParse(Arg(args, "--max-batch"), out var mb)) writerOptions = writerOptions with { MaxBatch = mb };
var problemCount = int.TryParse(Arg(args, "--problems"), out var pc) ? pc : realistic ? 8 : 100;
var dir = Directory.CreateTempSubdirectory("seidr-store-bench-").FullName;
var location = storeArg.Length == 0 ? StoreLocation.Sqlite(Path.Combine(dir, "run.db")) : StoreLocation.Parse(storeArg);
var store = await RunStore.OpenAsync(location);

var workflow = YamlWorkflowFormat.Read("""
    id: store-overhead
    experiment:
      dataset: bench
      concurrency: 8
      budget:
        max_programs: 100
    activities:
    - id: draft
      type: Paced.Generate
      inputs:
        count: 10
    - id: score
      type: Paced.Score
    - id: beam
      type: Bench.Beam
    - id: repair
      type: Paced.Generate
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
    """, "bench.yaml").RequireDefinition();
var problems = Enumerable.Range(0, problemCount).Select(i => new Problem { Id = $"P{i}", Dataset = "bench", Prompt = "" }).ToArray();
var catalog = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly, typeof(Generate).Assembly);

async Task<(double Engine, double Durable, long Events, int Candidates, double WriteSeconds, double Cpu, double WriteCpu)> Once(bool withStore, string runId)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    RunSession? session = null;
    writerCpu.Reset();
    if (withStore)
        session = await store.BeginAsync(new RunStart
        {
            RunId = runId, WorkflowId = workflow.DefinitionId, WorkflowPath = "bench.yaml", WorkflowText = "bench", MatrixJson = "{}",
            Settings = new RunSettings(), Variants = [Variant.Default],
            AllProblems = problems.Select(p => new ProblemInfo(p.Id, p.Dataset, null, null)).ToList(), Problems = problems.Select(p => p.Id).ToList(),
        }, writerOptions);
    int candidates = 0;
    var counter = new DelegateObserver(e => { if (e is CandidateCreated) Interlocked.Increment(ref candidates); });
    var clock = Stopwatch.StartNew();
    var result = await new WorkflowEngine().RunAsync(workflow, new RunOptions
    {
        Catalog = catalog, Problems = problems, RunId = runId,
        Observers = session is null ? [counter] : [counter, session.Writer],
    });
    var engine = clock.Elapsed.TotalMilliseconds;
    long events = 0;
    double writeSeconds = 0, writeCpu = 0;
    if (session is not null)
    {
        await session.EndAsync(result.Status);
        events = session.Writer.Written;
        writeSeconds = session.Writer.WriteTime.TotalSeconds;
        writeCpu = writerCpu.Total.TotalSeconds;
    }
    var durable = clock.Elapsed.TotalMilliseconds;
    var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    if (result.Variants[0].Metrics["programs"] < 100 * problemCount) throw new InvalidOperationException($"expected {100 * problemCount:N0} programs");
    return (engine, durable, events, candidates, writeSeconds, cpuSeconds, writeCpu);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"store: {location.Provider} {location}; {problemCount} problems; model call {Pace.ModelMs} ms, execution {Pace.ExecMs} ms CPU per program; {Environment.ProcessorCount} cores"));
await Once(false, "warm-0");
await Once(true, "warm-1");
var without = new List<double>();
var withEngine = new List<double>();
var withDurable = new List<double>();
var pairRatios = new List<double>();
var cpuWithout = new List<double>();
var cpuWith = new List<double>();
var writerCpuSeconds = new List<double>();
long eventsPerRun = 0;
for (int i = 0; i < rounds; i++)
{
    var a = await Once(false, $"plain-{i}");
    var b = await Once(true, $"stored-{i}");
    without.Add(a.Engine);
    withEngine.Add(b.Engine);
    withDurable.Add(b.Durable);
    pairRatios.Add(b.Durable / a.Engine);
    cpuWithout.Add(a.Cpu);
    cpuWith.Add(b.Cpu);
    writerCpuSeconds.Add(b.WriteCpu);
    eventsPerRun = b.Events;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {i + 1}: {a.Candidates:N0} candidates; no store {a.Engine:0} ms, {a.Cpu:0.00} s CPU; with store {b.Engine:0} ms (engine), {b.Durable:0} ms (all {b.Events:N0} events written; {b.WriteSeconds:0.00} s writing in the background, {b.WriteCpu:0.00} s of the writer thread's CPU), {b.Cpu:0.00} s CPU; durable/no store {b.Durable / a.Engine:0.000}x"));
}
double Median(List<double> xs) { var s = xs.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
var (m0, m1, m2) = (Median(without), Median(withEngine), Median(withDurable));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"median of {rounds}: no store {m0:0} ms | with store: engine {m1:0} ms = {m1 / m0:0.000}x ({100 * (m1 / m0 - 1):+0.0;-0.0}%), durable {m2:0} ms = {m2 / m0:0.000}x ({100 * (m2 / m0 - 1):+0.0;-0.0}%)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"median of the per-round ratios (durable / no store): {Median(pairRatios):0.000}x; CPU: no store {Median(cpuWithout):0.00} s, with store {Median(cpuWith):0.00} s = +{Median(cpuWith) - Median(cpuWithout):0.00} s for {eventsPerRun:N0} events ({1e6 * (Median(cpuWith) - Median(cpuWithout)) / Math.Max(1, eventsPerRun):0} µs CPU per event); the writer thread's CPU: {Median(writerCpuSeconds):0.000} s ({1e6 * Median(writerCpuSeconds) / Math.Max(1, eventsPerRun):0.0} µs per event)"));
try { Directory.Delete(dir, true); } catch (IOException) { }

namespace Seidr.Workflows.Persistence.Benchmarks
{
    /// <summary>How long a model call waits and how much CPU a program's execution burns (set from the command line).</summary>
    public static class Pace
    {
        public static int ModelMs { get; set; }
        public static double ExecMs { get; set; }

        public static void Burn(double ms)
        {
            if (ms <= 0) return;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalMilliseconds < ms) Thread.SpinWait(64);
        }
    }

    /// <summary>A model with a latency: n programs per call (as the engine benchmark's Bench.Generate).</summary>
    [Activity("Paced", "Generate")]
    [Outcome("Done")]
    [Outcome("Exhausted")]
    public sealed class Generate : Activity
    {
        [Input] public int Count { get; set; } = 10;

        public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
        {
            if (Pace.ModelMs > 0) await Task.Delay(Pace.ModelMs);
            var made = Seidr.Workflows.Engine.Benchmarks.Generate.Make(context, Count);
            context.RecordModelCall(new ModelUsage("paced", 1, 100, 20 * made.Count, 0m, TimeSpan.FromMilliseconds(Pace.ModelMs), false));
            return ActivityResult.Of("Done", made);
        }
    }

    /// <summary>
    /// Execution as CPU work on a thread of its own (as a sandboxed program burns CPU in a child process while the
    /// engine awaits it), then a deterministic score and one result per program.
    /// </summary>
    [Activity("Paced", "Score", Spends = false)]
    [Outcome("Done")]
    public sealed class Score : Activity
    {
        private static readonly TestResult Failed = new("assert f() == -1", TestStatus.Failed);

        public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
        {
            var programs = context.Input.Programs;
            if (Pace.ExecMs > 0)
                await Task.Factory.StartNew(() => Pace.Burn(Pace.ExecMs * programs.Count), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            return ActivityResult.Of("Done", programs.Select(p => context.Scored(p with { Score = (p.Content.Length % 7) / 10.0, Results = [Failed] })).ToList());
        }
    }
}
