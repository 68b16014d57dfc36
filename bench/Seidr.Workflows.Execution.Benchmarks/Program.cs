using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Execution.HumanEval;
using Seidr.Workflows.Problems;

// Side-by-side benchmark: openai/human-eval's method against SandboxRunner on the same samples, in one run.
// dotnet run -c Release --project bench/Seidr.Workflows.Execution.Benchmarks -- --official-harness /path/to/human-eval

var opts = Options.Parse(args);
var data = DatasetCatalog.FindDataDirectory() ?? throw new DirectoryNotFoundException("the data folder was not found: run inside the repository (it ships data/) or set SEIDR_DATA");
var problems = HumanEvalLoader.Load(Path.Combine(data, "humaneval", "HumanEval_no_examples.jsonl.gz"), "humaneval").ToDictionary(p => p.Id);
var refs = JsonLines.Read(Path.Combine(data, "humaneval", "reference_verdicts_first10.jsonl.gz"))
    .Select(x => (TaskId: x.Value.GetProperty("task_id").GetString()!, Completion: x.Value.GetProperty("completion").GetString()!,
                  Result: x.Value.GetProperty("result").GetString()!, Sample: x.Value.TryGetProperty("sample", out var s) ? s.GetInt32() : -1))
    .Take(opts.Limit).ToList();
Console.WriteLine($"samples: {refs.Count} (reference_verdicts_first10, CodeGen-16B, no-examples prompts), timeout {opts.Timeout} s, {Environment.ProcessorCount} cores");
Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}; ours on {opts.Python}, the official method on {opts.OfficialPython}");

// ---- ours
var (ours, oursSeconds, oursCpu) = await RunOursAsync("ours");
if (opts.OfficialHarness is null)
{
    Console.WriteLine("official: skipped (pass --official-harness DIR, a checkout of github.com/openai/human-eval)");
    return;
}
var (official, officialSeconds, officialCpu) = await RunOfficialAsync();
var (ours2, oursSeconds2, oursCpu2) = await RunOursAsync("ours (again, after the official run)");
int disagree = 0, timeoutOnly = 0;
for (int i = 0; i < refs.Count; i++)
{
    if (official[i] == ours[i]) continue;
    if (official[i] == "timed out" || ours[i] == "timed out") timeoutOnly++;
    else disagree++;
    Console.WriteLine($"  differs: {refs[i].TaskId} official '{official[i]}' ours '{ours[i]}'");
}
var oursBest = Math.Min(oursSeconds, oursSeconds2);
Console.WriteLine();
Console.WriteLine($"| method | samples/s | wall s | CPU s (all processes) | CPU ms per sample |");
Console.WriteLine($"|---|---|---|---|---|");
Console.WriteLine($"| official harness (check_correctness, ThreadPoolExecutor(4)) | {refs.Count / officialSeconds:F1} | {officialSeconds:F1} | {officialCpu:F1} | {officialCpu * 1000 / refs.Count:F1} |");
Console.WriteLine($"| seidr SandboxRunner, run 1 | {refs.Count / oursSeconds:F1} | {oursSeconds:F1} | {oursCpu:F1} | {oursCpu * 1000 / refs.Count:F1} |");
Console.WriteLine($"| seidr SandboxRunner, run 2 | {refs.Count / oursSeconds2:F1} | {oursSeconds2:F1} | {oursCpu2:F1} | {oursCpu2 * 1000 / refs.Count:F1} |");
Console.WriteLine();
Console.WriteLine($"ratio (samples/s, mean of our two runs vs official): {officialSeconds / ((oursSeconds + oursSeconds2) / 2):F1}x; CPU per sample: {officialCpu / ((oursCpu + oursCpu2) / 2):F1}x less");
Console.WriteLine($"verdicts vs the official run: {refs.Count - disagree - timeoutOnly} identical, {timeoutOnly} differ where one side timed out, {disagree} other differences; run 2 vs run 1: {Enumerable.Range(0, refs.Count).Count(i => ours[i] != ours2[i])} differ");
Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
foreach (var (label, results) in new[] { ("run 1", ours), ("run 2", ours2) })
{
    int sameResult = Enumerable.Range(0, refs.Count).Count(i => results[i] == refs[i].Result);
    int samePassed = Enumerable.Range(0, refs.Count).Count(i => (results[i] == "passed") == (refs[i].Result == "passed"));
    Console.WriteLine($"ours {label} vs the recorded official verdicts: {sameResult} of {refs.Count} identical result strings, {samePassed} identical passed values");
    for (int i = 0; i < refs.Count; i++)
        if (results[i] != refs[i].Result)
            Console.WriteLine($"  differs: {refs[i].TaskId} sample {refs[i].Sample}: recorded '{refs[i].Result}', ours '{results[i]}'");
}

async Task<(string[] Results, double Seconds, double Cpu)> RunOursAsync(string label)
{
    var cpuStart = Rusage.SelfAndChildrenSeconds();
    string[] ours;
    double oursSeconds, oursStartSeconds, workerCpu;
    await using (var runner = await Timed(() => SandboxRunner.StartAsync(new RunnerOptions
    {
        Python = opts.Python, MaxParallelism = opts.Parallelism ?? Environment.ProcessorCount,
    }), out var startWatch))
    {
        oursStartSeconds = startWatch.Elapsed.TotalSeconds;
        Console.WriteLine($"ours: sandbox {runner.Sandbox.Mode}, {runner.Sandbox.InterpreterVersion}, parallelism {runner.Parallelism}, started in {oursStartSeconds:F2} s");
        var results = new string[refs.Count];
        double lastOther = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, refs.Count), new ParallelOptions { MaxDegreeOfParallelism = runner.Parallelism * 2 + 2 }, async (i, ct) =>
        {
            var p = problems[refs[i].TaskId];
            var check = (CheckTest)p.Hidden[0];
            results[i] = (await runner.CheckAsync(HumanEvalProgram.Build(p.Prompt, refs[i].Completion, check.Code, check.EntryPoint), TimeSpan.FromSeconds(opts.Timeout), ct)).Result;
            if (results[i] != "timed out") lock (results) lastOther = Math.Max(lastOther, sw.Elapsed.TotalSeconds);
        });
        sw.Stop();
        oursSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"{label}: the last result other than \"timed out\" came at {lastOther:F2} s; the rest of the run waited for checks running into their timeout");
        Console.WriteLine($"{label}: CPU of the .NET process during the run: {(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F2} s");
        ours = results;
        workerCpu = Rusage.WorkerTreeSeconds(runner.WorkerProcessIds);
    }
    var cpu = Rusage.SelfAndChildrenSeconds() - cpuStart + workerCpu;
    int oursVsRef = Enumerable.Range(0, refs.Count).Count(i => ours[i] != refs[i].Result);
    Console.WriteLine($"{label}: {refs.Count} samples in {oursSeconds,7:F2} s = {refs.Count / oursSeconds,7:F1} samples/s, {cpu:F1} CPU s incl. start and stop; disagreements with the recorded official verdicts: {oursVsRef}; load {File.ReadAllText("/proc/loadavg").Trim()}");
    return (ours, oursSeconds, cpu);
}

async Task<(string[] Results, double Seconds, double Cpu)> RunOfficialAsync()
{
    var cpuStart = Rusage.SelfAndChildrenSeconds();
    var tmp = Directory.CreateTempSubdirectory("seidr-bench-").FullName;
    try
    {
        var problemsFile = Path.Combine(tmp, "problems.jsonl");
        await File.WriteAllLinesAsync(problemsFile, problems.Values.Select(p => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["task_id"] = p.Id, ["prompt"] = p.Prompt, ["test"] = ((CheckTest)p.Hidden[0]).Code, ["entry_point"] = p.EntryPoint!,
        })));
        var samplesFile = Path.Combine(tmp, "samples.jsonl");
        await File.WriteAllLinesAsync(samplesFile, refs.Select(r => JsonSerializer.Serialize(new { task_id = r.TaskId, completion = r.Completion })));
        var script = Path.Combine(tmp, "official_method.py");
        await using (var s = typeof(Options).Assembly.GetManifestResourceStream("official_method.py")!)
        await using (var f = File.Create(script)) await s.CopyToAsync(f);
        var outFile = Path.Combine(tmp, "official.jsonl");
        var psi = new ProcessStartInfo(opts.OfficialPython, [script, opts.OfficialHarness, problemsFile, samplesFile, outFile, "4", opts.Timeout.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true, WorkingDirectory = tmp,
        };
        using var proc = Process.Start(psi)!;
        var stdout = await proc.StandardOutput.ReadToEndAsync();
        await proc.WaitForExitAsync();
        if (proc.ExitCode != 0) Fail($"official harness failed (exit {proc.ExitCode})");
        var officialSeconds = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("elapsed").GetDouble();
        var official = File.ReadAllLines(outFile).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("result").GetString()!).ToArray();
        var cpu = Rusage.SelfAndChildrenSeconds() - cpuStart;
        Console.WriteLine($"official: {refs.Count} samples in {officialSeconds,7:F2} s = {refs.Count / officialSeconds,7:F1} samples/s, {cpu:F1} CPU s; disagreements with the recorded official verdicts: {Enumerable.Range(0, refs.Count).Count(i => official[i] != refs[i].Result)}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        return (official, officialSeconds, cpu);
    }
    finally
    {
        Directory.Delete(tmp, true);
    }
}

static void Fail(string message) { Console.Error.WriteLine(message); Environment.Exit(2); }

static Task<T> Timed<T>(Func<Task<T>> f, out Stopwatch sw)
{
    sw = Stopwatch.StartNew();
    var watch = sw;
    return f().ContinueWith(t => { watch.Stop(); return t.Result; });
}

sealed record Options(string? OfficialHarness, int Limit, int? Parallelism, string Python, double Timeout, string OfficialPython)
{
    public static Options Parse(string[] args)
    {
        string? official = null; int limit = int.MaxValue; int? par = null; string python = "python3"; double timeout = 3;
        string officialPython = "python3";   // the official method always runs on CPython unless told otherwise
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--official-harness": official = Path.GetFullPath(Next()); break;
                case "--limit": limit = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--parallelism": par = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--python": python = Next(); break;
                case "--official-python": officialPython = Next(); break;
                case "--timeout": timeout = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}; options: --official-harness DIR --limit N --parallelism P --python python3|pypy3 --official-python python3 --timeout S");
            }
        }
        return new Options(official, limit, par, python, timeout, officialPython);
    }
}

static class Rusage
{
    /// <summary>CPU seconds (own + reaped children) of every process below the given worker processes, read from /proc.</summary>
    public static double WorkerTreeSeconds(IReadOnlyList<int> roots)
    {
        var parent = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parent[pid] = int.Parse(f[1]);
                // utime stime cutime cstime are fields 14-17 (f[11..14] after the command name).
                ticks[pid] = long.Parse(f[11]) + long.Parse(f[12]) + long.Parse(f[13]) + long.Parse(f[14]);
            }
            catch (IOException) { }
        }
        long total = 0;
        foreach (var (pid, t) in ticks)
        {
            var p = pid;
            for (int i = 0; i < 64 && parent.TryGetValue(p, out var pp); i++)
            {
                if (roots.Contains(p)) { total += t; break; }
                p = pp;
            }
        }
        return total / 100.0; // USER_HZ
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, long[] usage);

    /// <summary>User + system CPU seconds of this process and of all its waited-for descendants.</summary>
    public static double SelfAndChildrenSeconds()
    {
        double total = 0;
        foreach (var who in new[] { 0, -1 }) // RUSAGE_SELF, RUSAGE_CHILDREN
        {
            var u = new long[18];
            if (getrusage(who, u) != 0) throw new InvalidOperationException("getrusage failed");
            total += u[0] + u[1] / 1e6 + u[2] + u[3] / 1e6;
        }
        return total;
    }
}
