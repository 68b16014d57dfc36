using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// <c>Seidr.Execute</c> alone (src/Seidr.Workflows.Activities/Stages/Execute.cs) on seeded programs and test sets,
/// with the real sandbox. Its <c>incremental</c> pairs in a growing pool: <see cref="CoGenerationTests"/>; a
/// problem's own time limit and C++ programs: <see cref="LanguageAndStdioTests"/>.
/// </summary>
[Collection("stages")]
public class ExecuteTests(SandboxFixture sandbox)
{
    private const string Right = "def add(a, b):\n    return a + b";
    private const string Buggy = "def add(a, b):\n    return a - b";
    private const string Product = "def add(a, b):\n    return a * b";

    // The problem's examples (StageHarness.AddProblem) and two generated sets that share a test and repeat an example.
    private const string Example1 = "assert add(1, 2) == 3";
    private const string Example2 = "assert add(-1, 1) == 0";
    private const string Generated = "assert add(2, 2) == 4";
    private static readonly string[] TestSets = [$"{Generated}\n{Example1}", Generated];

    private static StageFlow Execute(string inputs, params string[] programs) =>
        new StageFlow().Seed(programs).Then("execute", "Seidr.Execute", inputs).Probe("Done", "Passed", "Failed");

    [Fact]
    public async Task Scores_each_program_by_its_share_of_tests_passed_and_routes_it_by_its_verdicts()
    {
        var flow = new StageFlow().Seed(Buggy, Right).SeedOf(CandidateKinds.Explanation, "a note")
            .Then("execute", "Seidr.Execute", "tests: examples").Probe("Done", "Passed", "Failed");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules: []");
        var done = run.At("done");
        done.Programs.Select(p => p.Score).Should().Equal(0.0, 1.0);
        done.OfKind(CandidateKinds.Explanation).Should().ContainSingle("the other candidates are passed along");
        run.At("passed").Programs.Should().ContainSingle().Which.Content.Should().Contain("a + b");
        run.At("failed").Programs.Should().ContainSingle().Which.Content.Should().Contain("a - b");

        var results = done.Programs[0].Results;
        results.Select(r => (r.Test, r.Status)).Should().Equal((Example1, TestStatus.Failed), (Example2, TestStatus.Failed));
        (results[0].Expected, results[0].Actual).Should().Be(("3", "-1"), "Explain shows expected against actual");
    }

    [Theory]
    [InlineData("examples", true, new[] { Example1, Example2 })]
    [InlineData("generated", true, new[] { Generated, Example1 })]
    [InlineData("both", true, new[] { Example1, Example2, Generated })]
    [InlineData("auto", true, new[] { Generated, Example1 })]
    [InlineData("auto", false, new[] { Example1, Example2 })]
    public async Task The_tests_input_picks_examples_generated_sets_or_both_each_test_once(string tests, bool withSets, string[] expected)
    {
        var flow = new StageFlow().Seed(Product);
        if (withSets) flow.SeedOf(CandidateKinds.TestSet, TestSets);
        flow.Then("execute", "Seidr.Execute", $"tests: {tests}").Probe("Done");
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules: []");
        var program = run.At("done").Programs.Should().ContainSingle().Subject;
        program.Results.Select(r => r.Test).Should().Equal(expected);
        // a * b: add(2, 2) == 4 passes, the examples fail.
        program.Score.Should().Be((double)expected.Count(t => t == Generated) / expected.Length);
    }

    [Fact]
    public async Task Generated_tests_with_no_test_set_score_every_program_zero()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, Execute("tests: generated", Right), "rules: []");
        var program = run.At("done").Programs.Should().ContainSingle().Subject;
        program.Results.Should().BeEmpty();
        program.Score.Should().Be(0);
        run.At("failed").Programs.Should().ContainSingle("a program that ran no test has not passed");
    }

    [Fact]
    public async Task A_loop_past_the_time_limit_a_crash_and_a_syntax_error_each_get_their_verdict()
    {
        const string loop = "def add(a, b):\n    while True:\n        pass";
        const string crash = "def add(a, b):\n    raise ValueError('boom')";
        const string syntax = "def add(a, b)\n    return a + b";
        var run = await StageHarness.RunAsync(sandbox.Runner, Execute("tests: examples, timeout_ms: 300", loop, crash, syntax), "rules: []");
        var programs = run.At("done").Programs;
        programs[0].Results.Should().HaveCount(2).And.OnlyContain(r => r.Status == TestStatus.Timeout);
        programs[1].Results.Should().HaveCount(2).And.OnlyContain(r => r.Status == TestStatus.Error && r.Message!.Contains("ValueError: boom"));
        programs[2].Results.Should().HaveCount(2).And.OnlyContain(r => r.Status == TestStatus.Error && r.Message!.Contains("SyntaxError"));
        programs.Should().OnlyContain(p => p.Score == 0);
        run.At("failed").Programs.Should().HaveCount(3);
        run.At("passed").Programs.Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cpp_problem_runs_as_cpp_under_its_own_time_limit_incremental_or_not(bool incremental)
    {
        var problem = new Problem
        {
            Id = "Test/double",
            Dataset = "test",
            Prompt = "Print twice the input.\n",
            Shape = ProblemShape.StdinStdout,
            Language = "cpp",
            Visible = [new IoTest("3\n", "6\n"), new IoTest("-4\n", "-8\n")],
            TimeLimit = TimeSpan.FromMilliseconds(300),
        };
        const string right = "#include <iostream>\nint main() { long long n; std::cin >> n; std::cout << 2 * n << \"\\n\"; }";
        const string slow = "#include <iostream>\n#include <thread>\n#include <chrono>\n"
            + "int main() { std::this_thread::sleep_for(std::chrono::milliseconds(800)); long long n; std::cin >> n; std::cout << 2 * n << \"\\n\"; }";
        var flow = Execute($"tests: examples, timeout_ms: 5000, incremental: {(incremental ? "true" : "false")}", right, slow);
        var run = await StageHarness.RunAsync(sandbox.Runner, flow, "rules: []", problem);
        var programs = run.At("done").Programs;
        programs[0].Results.Should().HaveCount(2).And.OnlyContain(r => r.Status == TestStatus.Passed, "the C++ program is compiled and run as C++");
        programs[1].Results.Should().HaveCount(2).And.OnlyContain(r => r.Status == TestStatus.Timeout, "the problem's 0.3 s wins over the stage's 5 s");
    }

    [Fact]
    public async Task A_program_over_the_memory_limit_gets_the_memory_verdict()
    {
        const string hog = "def add(a, b):\n    block = bytearray(400 * 1024 * 1024)\n    return a + b + len(block) * 0";
        var run = await StageHarness.RunAsync(sandbox.Runner, Execute("tests: examples, memory_mb: 64", hog), "rules: []");
        run.At("done").Programs.Single().Results.Should().OnlyContain(r => r.Status == TestStatus.Memory);
    }

    [Fact]
    public async Task Identical_programs_run_once_and_share_the_verdicts()
    {
        var before = sandbox.Runner.Executed;
        var run = await StageHarness.RunAsync(sandbox.Runner, Execute("tests: examples", Right, Buggy, Right), "rules: []");
        (sandbox.Runner.Executed - before).Should().Be(2, "two distinct programs");
        var programs = run.At("done").Programs;
        programs.Select(p => p.Score).Should().Equal(1.0, 0.0, 1.0);
        programs[2].Results.Should().Equal(programs[0].Results);
    }

    // reuse_results: the run's verdicts live in its RunVerdicts service (with GenerateTests' syntax checks).
    private const string ReuseFlow = """
        activities:
        - {id: tests, type: Seidr.GenerateTests, inputs: {model: coder, samples: 1}}
        - {id: draft, type: Seidr.Draft, inputs: {model: coder, drafts_per_prompt: 2}}
        - {id: execute, type: Seidr.Execute, inputs: {tests: generated, reuse_results: true}}
        - {id: done, type: Test.Probe}
        connections:
        - tests.Done -> draft
        - draft.Done -> execute
        - execute.Done -> done
        """;

    private const string ReuseScript = """
        rules:
        - {stage: tests, answer: "```python\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n```"}
        - stage: draft
          answers:
          - "```python\ndef add(a, b):\n    return a + b\n```"
          - "```python\ndef add(a, b):\n    return a - b\n```"
        """;

    [Fact]
    public async Task Reused_results_stay_in_their_run_two_runs_in_one_process_share_none_and_each_releases_its_own()
    {
        var before = sandbox.Runner.Executed;
        var first = await StageHarness.RunAsync(sandbox.Runner, ReuseFlow, ReuseScript);
        var afterFirst = sandbox.Runner.Executed;
        var second = await StageHarness.RunAsync(sandbox.Runner, ReuseFlow, ReuseScript);
        var afterSecond = sandbox.Runner.Executed;

        first.At("done").Programs.Should().HaveCount(2).And.Contain(p => p.PassedAll);
        second.At("done").Programs.Select(p => p.Score).Should().Equal(first.At("done").Programs.Select(p => p.Score));
        (afterFirst - before).Should().BeGreaterThan(0);
        (afterSecond - afterFirst).Should().Be(afterFirst - before, "the second run ran every program itself: nothing of the first run reached it");
        first.VerdictsHeld.Should().Be(3, "the run held one syntax check and two test reports");
        second.VerdictsHeld.Should().Be(3, "its own, not added to the first run's");
        second.Verdicts.Should().NotBeSameAs(first.Verdicts);
        first.Verdicts.Count.Should().Be(0, "the entries went with their run");
        second.Verdicts.Count.Should().Be(0);
    }

    [Fact]
    public async Task Reusing_results_in_a_run_without_the_verdicts_service_fails_the_flow_naming_it()
    {
        var run = await StageHarness.RunAsync(sandbox.Runner, ReuseFlow, ReuseScript, withVerdicts: false);
        run.Flow.Status.Should().Be(FlowStatus.Failed);
        run.Flow.Error.Should().Contain("RunVerdicts");
    }
}
