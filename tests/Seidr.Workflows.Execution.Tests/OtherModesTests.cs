using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>Runners other than the shared bubblewrap one: resource limits only, PyPy.</summary>
public sealed class OtherModesTests
{
    [Fact]
    public async Task Rlimits_only_mode_warns_once_and_still_enforces_limits()
    {
        var warnings = new List<string>();
        await using var runner = await SandboxRunner.StartAsync(new RunnerOptions { Sandbox = SandboxMode.RlimitsOnly, MaxParallelism = 1, OnWarning = warnings.Add });
        runner.Sandbox.Mode.Should().Be(SandboxMode.RlimitsOnly);
        warnings.Should().ContainSingle().Which.Should().Contain("WITHOUT namespaces");
        runner.Sandbox.Warning.Should().Be(warnings[0]);

        var ok = await runner.RunAsync(new RunRequest(ProgramLanguage.Python, "import os\nprint(os.environ.get('OPENAI_API_KEY'), os.getcwd() != '/')"));
        ok.Stdout.Should().Be("None True\n");
        var t = await runner.RunAsync(new RunRequest(ProgramLanguage.Python, "while True: pass") { Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromMilliseconds(300) } });
        t.Status.Should().Be(ProgramStatus.Timeout);
        var bg = await runner.RunAsync(new RunRequest(ProgramLanguage.Python, "import subprocess\nsubprocess.Popen(['sleep', '1000'], start_new_session=True)\nprint('ok')"));
        bg.Stdout.Should().Be("ok\n");
        (await runner.CheckAsync("def f():\n    return 1\ndef check(c):\n    assert c() == 2\ncheck(f)", TimeSpan.FromSeconds(1))).Result.Should().Be("failed: ");
        warnings.Should().HaveCount(1, "the warning is given once per runner");
    }

    [Fact]
    public async Task Pypy_runs_the_same_tests_when_installed()
    {
        if (Sandbox.SandboxEnvironment.FindOnPath("pypy3") is null) return; // pypy3 is optional; .ci/install-execution.sh installs it
        await using var runner = await SandboxRunner.StartAsync(new RunnerOptions { Python = "pypy3", MaxParallelism = 1, Sandbox = SandboxMode.Bubblewrap });
        runner.Sandbox.InterpreterVersion.Should().StartWith("PyPy");
        var report = await runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, "def sq(x):\n    return x * x\n",
            [new AssertTest("assert sq(3) == 9"), new AssertTest("assert sq(2) == 5"), new AssertTest("assert sq(1) == 1")]));
        report.PassVector.Should().Equal(true, false, true);
        report.Outcomes[1].Actual.Should().Be("4");
        var run = await runner.RunAsync(new RunRequest(ProgramLanguage.Python, "import sys, platform\nprint(platform.python_implementation(), sys.stdin.read().upper())") { Stdin = "abc" });
        run.Stdout.Should().Be("PyPy ABC\n");
        (await runner.CheckAsync("def f():\n    return 1\ndef check(c):\n    assert c() == 1\ncheck(f)", TimeSpan.FromSeconds(3))).Result.Should().Be("passed");
    }

    [Theory]
    [InlineData("python3")]
    [InlineData("pypy3")]
    public async Task Checks_get_harness_verdicts_and_a_fresh_random_state_per_child(string python)
    {
        if (Sandbox.SandboxEnvironment.FindOnPath(python) is null) return; // pypy3 is optional
        // With PyPy too, guarded root workers clone their checks from a zygote (libc's syscall() through ctypes.CDLL).
        await using var runner = await SandboxRunner.StartAsync(new RunnerOptions { Python = python, MaxParallelism = 1, Sandbox = SandboxMode.Bubblewrap });
        var t = TimeSpan.FromSeconds(3);
        const string rnd = "import random\nraise ValueError(repr(random.random()))";
        var seen = new HashSet<string>();
        for (int i = 0; i < 4; i++)
        {
            (await runner.CheckAsync("def check(c):\n    assert c() == 1\ncheck(lambda: 1)", t)).Result.Should().Be("passed");
            var r = (await runner.CheckAsync(rnd, t)).Result;
            r.Should().StartWith("failed: ");
            seen.Add(r);
        }
        seen.Should().HaveCount(4, "every child reseeds random, as after a fork in the official harness");
        (await runner.CheckAsync("def check(c):\n    assert c() == 2\ncheck(lambda: 1)", t)).Result.Should().Be("failed: ");
        (await runner.CheckAsync("while True:\n    pass", TimeSpan.FromMilliseconds(500))).Result.Should().Be("timed out");
        (await runner.CheckAsync("import os\nos._exit(0)", t)).Result.Should().Be("timed out");
        (await runner.CheckAsync("def f(:\n    pass", t)).Result.Should().StartWith("failed: ");
        (await runner.CheckAsync("import os\nos.kill(1, 9)", t)).Result.Should().Be("failed: 'NoneType' object is not callable");
        (await runner.CheckAsync("def check(c):\n    assert c() == 1\ncheck(lambda: 1)", t)).Result.Should().Be("passed");
        runner.WorkerRestarts.Should().Be(0);
    }
}
