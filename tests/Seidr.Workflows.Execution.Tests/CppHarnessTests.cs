using Seidr.Workflows.Execution;
using Seidr.Workflows.Execution.Cpp;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>The C++ test harness of function problems: Python asserts and HumanEval checks translated to C++, judged in the sandbox.</summary>
[Collection("runner")]
public sealed class CppHarnessTests(RunnerFixture fx)
{
    private SandboxRunner Runner => fx.Runner;

    [Theory]
    [InlineData("add(1, 2)", "add(1, 2)")]
    [InlineData("candidate([1, 2.5, -3], 'a\\'b')", "f({1, 2.5, -3}, \"a'b\")")]
    [InlineData("f((1, 2), [[1], []], {'a': 1, 'b': 2})", "f({1, 2}, {{1}, {}}, {{\"a\", 1}, {\"b\", 2}})")]
    [InlineData("not f(x) and (a + b) * 2 >= -1", "!f(x) && (a + b) * 2 >= -1")]
    [InlineData("abs(f(0.5) - 1e-6) < 1e-9", "std::abs(f(0.5)-1e-6) < 1e-9")]
    [InlineData("f(True, False, 3000000000)", "f(true, false, 3000000000LL)")]
    public void Python_expressions_become_cpp(string python, string cpp)
    {
        PythonToCpp.Expression(python, "f", out var error).Should().Be(cpp, error);
    }

    [Theory]
    [InlineData("len(f(1))", "'len'")]
    [InlineData("f(1)[0]", "subscripts")]
    [InlineData("f(None)", "'None'")]
    [InlineData("f(x) // 2", "'//'")]
    [InlineData("[x for x in f(1)]", "'for'")]
    [InlineData("f(1).strip()", "'.'")]
    public void Untranslatable_expressions_say_why(string python, string reason)
    {
        PythonToCpp.Expression(python, "f", out var error).Should().BeNull();
        error.Should().Contain(reason);
    }

    [Fact]
    public async Task Asserts_and_checks_judge_a_cpp_function_with_expected_and_actual()
    {
        const string src = "#include <vector>\n#include <string>\nstd::vector<int> twice(const std::vector<int>& xs) {\n  std::vector<int> r;\n  for (int x : xs) r.push_back(x == 3 ? 7 : 2 * x);\n  return r;\n}\nstd::string greet(std::string n) { return \"hi \" + n; }\nint boom(int x) { if (x < 0) throw std::runtime_error(\"negative\"); int* p = nullptr; if (x == 0) return *p; return x; }\nint spin(int x) { volatile int y = x; while (y > 0) {} return x; }\n";
        var compilesBefore = Runner.CppCompilations;
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Cpp, src,
        [
            new AssertTest("assert twice([1, 2]) == [2, 4]"),
            new AssertTest("assert twice([3]) == [6]"),
            new AssertTest("assert greet('bo') == 'hi bo'"),
            new AssertTest("assert boom(-1) == 1"),
            new AssertTest("assert spin(1) == 1"),
            new AssertTest("assert len(twice([1])) == 1"),
            new CheckTest("METADATA = {}\n\ndef check(candidate):\n    assert candidate([]) == []\n    assert candidate(\n        [5]) == [10]\n", "twice"),
            new CheckTest("def check(candidate):\n    for x in range(3):\n        assert candidate([x]) == [2 * x]\n", "twice"),
        ])
        { EntryPoint = "twice", TestTimeout = TimeSpan.FromMilliseconds(500) });

        report.Outcomes.Select(o => o.Status).Should().Equal(
            TestStatus.Passed, TestStatus.Failed, TestStatus.Passed, TestStatus.Error, TestStatus.Timeout, TestStatus.Error, TestStatus.Passed, TestStatus.Error);
        report.Outcomes[1].Expected.Should().Be("[6]");
        report.Outcomes[1].Actual.Should().Be("[7]", "the harness prints the C++ value in Python notation beside the expected Python value");
        report.Outcomes[1].Message.Should().Contain("assert twice([3]) == [6]");
        report.Outcomes[3].Message.Should().Contain("negative");
        report.Outcomes[5].Message.Should().Contain("cannot translate").And.Contain("'len'");
        report.Outcomes[7].Message.Should().Contain("other than asserts");
        report.CompileError.Should().BeNull();
        (Runner.CppCompilations - compilesBefore).Should().Be(1, "one harness serves every translatable test");

        var again = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Cpp, src, [new AssertTest("assert twice([1, 2]) == [2, 4]"), new AssertTest("assert twice([3]) == [6]"),
            new AssertTest("assert greet('bo') == 'hi bo'"), new AssertTest("assert boom(-1) == 1"), new AssertTest("assert spin(1) == 1"), new AssertTest("assert len(twice([1])) == 1"),
            new CheckTest("METADATA = {}\n\ndef check(candidate):\n    assert candidate([]) == []\n    assert candidate(\n        [5]) == [10]\n", "twice"),
            new CheckTest("def check(candidate):\n    for x in range(3):\n        assert candidate([x]) == [2 * x]\n", "twice")])
        { EntryPoint = "twice", TestTimeout = TimeSpan.FromMilliseconds(500) });
        again.PassVector.Should().Equal(report.PassVector);
        (Runner.CppCompilations - compilesBefore).Should().Be(1, "the same program and tests are not compiled twice by one runner");
    }

    [Fact]
    public async Task A_program_that_does_not_compile_is_a_compile_error_and_a_test_that_does_not_fit_it_an_error()
    {
        var broken = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Cpp, "int inc(int x) { return x + 1 }\n",
            [new AssertTest("assert inc(1) == 2"), new AssertTest("assert inc(2) == 3")])
        { EntryPoint = "inc" });
        broken.CompileError.Should().Contain("error");
        broken.Outcomes.Should().OnlyContain(o => o.Status == TestStatus.Error && o.Message!.StartsWith("compile error:") && o.Message.Contains("program.cpp:1:") && o.Message.Contains("expected"));

        // The program compiles; one test calls it with a string, which does not: only that test is an error.
        var ok = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Cpp, "int inc(int x) { return x + 1; }\nint main() { return 0; }\n",
            [new AssertTest("assert inc(1) == 2"), new AssertTest("assert inc('a') == 3"), new AssertTest("assert inc(2) == 4")])
        { EntryPoint = "inc" });
        ok.CompileError.Should().BeNull();
        ok.Outcomes.Select(o => o.Status).Should().Equal(TestStatus.Passed, TestStatus.Error, TestStatus.Failed);
        ok.Outcomes[1].Message.Should().StartWith("the test does not compile against the program");
        ok.Outcomes[2].Expected.Should().Be("4");
        ok.Outcomes[2].Actual.Should().Be("3");
    }

    [Fact]
    public async Task A_probe_reports_the_value_without_comparing()
    {
        var report = await Runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Cpp, "double half(int x) { return x / 2.0; }\n",
            [new AssertTest("assert half(3) == " + CppTestHarness.ProbeSentinel)])
        { EntryPoint = "half" });
        report.Outcomes.Single().Status.Should().Be(TestStatus.Failed);
        report.Outcomes.Single().Actual.Should().Be("1.5");
    }
}
