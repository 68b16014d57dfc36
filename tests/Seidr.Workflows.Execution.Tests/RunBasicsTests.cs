using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Execution.Tests;

[Collection("runner")]
public sealed class RunBasicsTests(RunnerFixture fx)
{
    private SandboxRunner Runner => fx.Runner;

    private static RunRequest Py(string src, string? stdin = null, double timeout = 5) =>
        new(ProgramLanguage.Python, src) { Stdin = stdin, Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromSeconds(timeout) } };

    [Fact]
    public void Uses_bubblewrap_without_warning()
    {
        Runner.Sandbox.Mode.Should().Be(SandboxMode.Bubblewrap);
        Runner.Sandbox.Warning.Should().BeNull();
        fx.Warnings.Should().BeEmpty();
    }

    [Fact]
    public async Task String_hashing_is_seeded_so_set_order_is_the_same_in_every_worker_and_runner()
    {
        // list(set(words)) follows the string hashes; with a seed drawn per process, workers disagree (issue 17's
        // run-to-run differences on HumanEval/34 came from this).
        const string src = "import os\nprint(os.environ.get('PYTHONHASHSEED'), list({'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta'}))";
        var here = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Runner.RunAsync(Py(src))));
        await using var other = await SandboxRunner.StartAsync(new RunnerOptions { Sandbox = SandboxMode.Bubblewrap, FastFork = false, MaxParallelism = 1 });
        var there = await other.RunAsync(Py(src));
        here.Should().OnlyContain(r => r.Status == ProgramStatus.Ok && r.Stdout.StartsWith("0 [", StringComparison.Ordinal));
        here.Select(r => r.Stdout).Distinct().Should().ContainSingle().Which.Should().Be(there.Stdout);
    }

    [Fact]
    public async Task Runs_python_with_stdin_and_reports_output()
    {
        var r = await Runner.RunAsync(Py("import sys\nname = sys.stdin.readline().strip()\nprint('hello', name)\nprint('warn', file=sys.stderr)", "world\n"));
        r.Status.Should().Be(ProgramStatus.Ok);
        r.ExitCode.Should().Be(0);
        r.Stdout.Should().Be("hello world\n");
        r.Stderr.Should().Be("warn\n");
        r.WallMs.Should().BeGreaterThan(0).And.BeLessThan(5000);
    }

    [Fact]
    public async Task Large_stdin_is_delivered_whole()
    {
        var input = string.Join('\n', Enumerable.Range(0, 50_000)) + "\n";
        var r = await Runner.RunAsync(Py("import sys\nprint(sum(int(x) for x in sys.stdin))", input));
        r.Status.Should().Be(ProgramStatus.Ok);
        r.Stdout.Trim().Should().Be(Enumerable.Range(0, 50_000).Sum().ToString());
    }

    [Fact]
    public async Task Script_semantics_name_main_and_exit_codes()
    {
        (await Runner.RunAsync(Py("if __name__ == '__main__':\n    print('main')"))).Stdout.Should().Be("main\n");
        var exit3 = await Runner.RunAsync(Py("import sys\nsys.exit(3)"));
        exit3.Status.Should().Be(ProgramStatus.Error);
        exit3.ExitCode.Should().Be(3);
        var exitMsg = await Runner.RunAsync(Py("raise SystemExit('bye')"));
        exitMsg.ExitCode.Should().Be(1);
        exitMsg.Stderr.Should().Be("bye\n");
        (await Runner.RunAsync(Py("import sys\nsys.exit(0)"))).Status.Should().Be(ProgramStatus.Ok);
    }

    [Fact]
    public async Task Uncaught_exception_is_an_error_with_a_trimmed_traceback()
    {
        var r = await Runner.RunAsync(Py("def f(x):\n    return 1 / x\n\nprint('before')\nf(0)\n"));
        r.Status.Should().Be(ProgramStatus.Error);
        r.ExitCode.Should().Be(1);
        r.Stdout.Should().Be("before\n");
        r.Stderr.Should().Contain("ZeroDivisionError: division by zero")
            .And.Contain("File \"main.py\", line 5")
            .And.Contain("File \"main.py\", line 2, in f")
            .And.NotContain("seidr_worker");
    }

    [Fact]
    public async Task Syntax_error_is_an_error()
    {
        var r = await Runner.RunAsync(Py("def f(:\n  pass"));
        r.Status.Should().Be(ProgramStatus.Error);
        r.Stderr.Should().Contain("SyntaxError");
    }

    [Fact]
    public async Task Timeout_memory_and_output_limits_have_their_status()
    {
        var t = await Runner.RunAsync(Py("while True: pass", timeout: 0.5));
        t.Status.Should().Be(ProgramStatus.Timeout);
        t.WallMs.Should().BeInRange(450, 3000);

        var m = await Runner.RunAsync(Py("x = bytearray(3 * 1024 * 1024 * 1024)") with { Limits = new ExecutionLimits { MemoryMb = 256 } });
        m.Status.Should().Be(ProgramStatus.Memory);

        var o = await Runner.RunAsync(Py("print('x' * 100)\nwhile True: print('y' * 1000)") with { Limits = new ExecutionLimits { MaxOutputBytes = 10_000 } });
        o.Status.Should().Be(ProgramStatus.OutputLimit);
        o.OutputTruncated.Should().BeTrue();
        (o.Stdout.Length + o.Stderr.Length).Should().BeLessThanOrEqualTo(10_000);
        o.Stdout.Should().StartWith(new string('x', 100));
    }

    [Fact]
    public async Task Cpu_time_limit_stops_a_busy_program_before_the_wall_timeout()
    {
        var r = await Runner.RunAsync(Py("while True: pass") with { Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromSeconds(60), CpuTime = TimeSpan.FromSeconds(1) } });
        r.Status.Should().Be(ProgramStatus.Timeout);
        r.Signal.Should().Be(24, "RLIMIT_CPU ends it with SIGXCPU, long before the 60 s wall timeout");
    }

    [Fact]
    public async Task Segfault_is_killed()
    {
        var r = await Runner.RunAsync(Py("import ctypes\nctypes.string_at(0)"));
        r.Status.Should().Be(ProgramStatus.Killed);
        r.Signal.Should().Be(11);
    }

    [Fact]
    public async Task Many_concurrent_calls_get_their_own_results()
    {
        var tasks = Enumerable.Range(0, 60).Select(i => Runner.RunAsync(Py($"print({i} * {i})"))).ToArray();
        var results = await Task.WhenAll(tasks);
        for (int i = 0; i < results.Length; i++)
        {
            results[i].Status.Should().Be(ProgramStatus.Ok);
            results[i].Stdout.Should().Be($"{i * i}\n");
        }
    }

    [Fact]
    public async Task Cancelling_a_run_throws_and_the_runner_keeps_working()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var act = () => Runner.RunAsync(Py("import time\ntime.sleep(30)", timeout: 60), cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
        (await Runner.RunAsync(Py("print(42)"))).Stdout.Should().Be("42\n");
    }

    [Fact]
    public async Task Cpp_compiles_once_and_runs()
    {
        const string src = "#include <iostream>\nint main(){ long long a,b; std::cin>>a>>b; std::cout<<a+b<<\"\\n\"; return 0; }\n";
        var r1 = await Runner.RunAsync(new RunRequest(ProgramLanguage.Cpp, src) { Stdin = "2 40" });
        r1.Status.Should().Be(ProgramStatus.Ok, r1.Stderr);
        r1.Stdout.Should().Be("42\n");
        var cached = Directory.GetDirectories(Runner.CompileCacheDirectory);
        var binaries = cached.Select(d => Path.Combine(d, "prog")).Where(File.Exists).ToDictionary(p => p, File.GetLastWriteTimeUtc);
        var r2 = await Runner.RunAsync(new RunRequest(ProgramLanguage.Cpp, src) { Stdin = "1 2" });
        r2.Stdout.Should().Be("3\n");
        Directory.GetDirectories(Runner.CompileCacheDirectory).Should()
            .BeEquivalentTo(cached, "the second run reuses the cached binary instead of compiling again");
        binaries.Should().NotBeEmpty();
        foreach (var (path, written) in binaries) File.GetLastWriteTimeUtc(path).Should().Be(written, "no binary was rebuilt");
    }

    [Fact]
    public async Task Cpp_compile_error_runtime_error_and_timeout()
    {
        var bad = await Runner.RunAsync(new RunRequest(ProgramLanguage.Cpp, "int main( { return 0; }"));
        bad.Status.Should().Be(ProgramStatus.Error);
        bad.Message.Should().Be("compile error");
        bad.Stderr.Should().Contain("error");

        var exit = await Runner.RunAsync(new RunRequest(ProgramLanguage.Cpp, "int main(){ return 7; }"));
        exit.Status.Should().Be(ProgramStatus.Error);
        exit.ExitCode.Should().Be(7);

        var loop = await Runner.RunAsync(new RunRequest(ProgramLanguage.Cpp, "int main(){ volatile long x=0; for(;;) x++; }")
        { Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromMilliseconds(500) } });
        loop.Status.Should().Be(ProgramStatus.Timeout);

        var mem = await Runner.RunAsync(new RunRequest(ProgramLanguage.Cpp, "#include <vector>\nint main(){ std::vector<char> v; for(;;) v.resize(v.size()*2+1024); }")
        { Limits = new ExecutionLimits { MemoryMb = 128 } });
        mem.Status.Should().Be(ProgramStatus.Memory, mem.Stderr);
    }
}
