using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// C++ and stdin/stdout problems through SEIDR's loop: Draft -> Execute -> Rank -> Explain -> Repair -> Execute ->
/// Submit and the hidden-test judge, with the real sandbox and the repository's prompts. The scripted model answers
/// only when the prompt shows what it must (the C++ prompt, the compiler's message, input/expected/actual), so a stage
/// that showed the wrong thing ends the loop unsolved.
/// </summary>
[Collection("stages")]
public class LanguageAndStdioTests(SandboxFixture sandbox)
{
    private const string Loop = """
        activities:
        - {id: draft, type: Seidr.Draft, inputs: {model: coder, drafts_per_prompt: 1}}
        - {id: execute, type: Seidr.Execute, inputs: {tests: examples}}
        - {id: rank, type: Seidr.Rank, inputs: {beam_width: 1, keep_parents: false}}
        - {id: explain, type: Seidr.Explain, inputs: {model: coder, explanations_per_program: 1, failing_tests: 2}}
        - {id: repair, type: Seidr.Repair, inputs: {model: coder, repairs_per_explanation: 1}}
        - {id: submit, type: Seidr.Submit}
        connections:
        - draft.Done -> execute
        - execute.Done -> rank
        - rank.Solved -> submit
        - rank.Exhausted -> submit
        - rank.Beam -> explain
        - explain.Done -> repair
        - explain.Empty -> submit
        - repair.Done -> execute
        - repair.Empty -> submit
        """;

    [Fact]
    public async Task A_cpp_function_problem_goes_from_a_compile_error_through_a_wrong_answer_to_a_judged_solution()
    {
        // Each answer needs the previous stage's evidence in the prompt: the C++ draft prompt, the compiler's message,
        // the translated test's expected vs actual value.
        const string script = """
            rules:
            - stage: draft
              contains: "write a C++ function\nnamed `add`"
              answer: "```cpp\nint add(int a, int b) {\n    return a - b\n}\n```"
            - stage: explain
              regex: "program.cpp:2:\\d+: error: expected"
              answer: The return statement has no semicolon.
            - stage: repair
              contains: "has no semicolon"
              regex: "```cpp\\nint add"
              answer: "```cpp\nint add(int a, int b) {\n    return a - b;\n}\n```"
            - stage: explain
              contains: "Test: assert add(1, 2) == 3\nExpected: 3\nActual: -1"
              answer: It subtracts b instead of adding it.
            - stage: repair
              contains: "subtracts b"
              answer: "```cpp\n#include <cstdlib>\nint add(int a, int b) {\n    return a + b;\n}\n```"
            default:
              answer: the prompt did not show what this stage needed
            """;
        var run = await StageHarness.RunAsync(sandbox.Runner, Loop, script, matrix: "  matrix: {language: [cpp]}");
        var flow = run.Flow;
        flow.Status.Should().Be(FlowStatus.Completed);
        var best = flow.Submission[0];
        best.Content.Should().Contain("return a + b;");
        best.Tags["language"].Should().Be("cpp");
        best.Generation.Should().Be(2, "draft (compile error) -> repair (wrong) -> repair (right)");
        best.PassedAll.Should().BeTrue();
        flow.Hidden.Should().ContainSingle().Which.Passed.Should().BeTrue("the judge ran the hidden asserts through the C++ harness");
        flow.Programs.Should().Be(3);
    }

    [Fact]
    public async Task A_stdin_problem_in_python_and_cpp_shows_input_expected_and_actual_output_and_is_judged()
    {
        var problem = new Problem
        {
            Id = "Test/double",
            Dataset = "test",
            Prompt = "Read an integer n and print 2n.\n\nWrite a complete program that reads the input from standard input and writes the answer to standard output.\n",
            Description = "Read an integer n and print 2n.",
            Shape = ProblemShape.StdinStdout,
            Visible = [new IoTest("3\n", "6\n"), new IoTest("-4\n", "-8\n")],
            Hidden = [new IoTest("10\n", "20\n"), new IoTest("0\n", "0\n")],
        };
        const string script = """
            rules:
            - stage: draft
              contains: "Write a complete C++17 program"
              answer: "```cpp\n#include <iostream>\nint main() { long long n; std::cin >> n; std::cout << n + 2 << \"\\n\"; }\n```"
            - stage: draft
              contains: "Write a complete Python program"
              answer: "```python\nn = int(input())\nprint(n + 2)\n```"
            - stage: explain
              contains: "Input:\n3\nExpected output:\n6\nActual output:\n5\n"
              answer: It adds 2 instead of doubling.
            - stage: repair
              contains: "```cpp"
              regex: "adds 2 instead of doubling[\\s\\S]*Input:\\n-4\\nExpected output:\\n-8\\nActual output:\\n-2"
              answer: "```cpp\n#include <iostream>\nint main() { long long n; std::cin >> n; std::cout << 2 * n << \"\\n\"; }\n```"
            - stage: repair
              contains: "adds 2 instead of doubling"
              answer: "```python\nprint(2 * int(input()))\n```"
            default:
              answer: the prompt did not show what this stage needed
            """;
        var run = await StageHarness.RunAsync(sandbox.Runner, Loop, script, problem, matrix: "  matrix: {language: [python, cpp]}");
        run.Result.Variants.Select(v => v.Variant.Id).Should().Equal("language=python", "language=cpp");
        foreach (var variant in run.Result.Variants)
        {
            var flow = variant.Flows.Single();
            var best = flow.Submission[0];
            best.Content.Should().Contain("2 * ");
            best.Generation.Should().Be(1, $"{variant.Variant.Id}: one repair");
            best.Tags["language"].Should().Be(variant.Variant["language"]);
            flow.Hidden.Should().ContainSingle().Which.Passed.Should().BeTrue($"{variant.Variant.Id}: the judge runs the program in its own language");
        }
    }

    [Fact]
    public async Task A_problem_time_limit_is_applied_by_execute_and_the_judge()
    {
        var problem = new Problem
        {
            Id = "Test/slow",
            Dataset = "test",
            Prompt = "Print the input.\n",
            Shape = ProblemShape.StdinStdout,
            Visible = [new IoTest("1\n", "1\n")],
            Hidden = [new IoTest("2\n", "2\n")],
            TimeLimit = TimeSpan.FromMilliseconds(300),
        };
        const string script = """
            rules:
            - stage: draft
              answer: "```python\nimport time\ntime.sleep(0.8)\nprint(input())\n```"
            """;
        const string flowYaml = """
            activities:
            - {id: draft, type: Seidr.Draft, inputs: {model: coder, drafts_per_prompt: 1}}
            - {id: execute, type: Seidr.Execute, inputs: {tests: examples, timeout_ms: 5000}}
            - {id: submit, type: Seidr.Submit}
            connections:
            - draft.Done -> execute
            - execute.Done -> submit
            """;
        var run = await StageHarness.RunAsync(sandbox.Runner, flowYaml, script, problem);
        var program = run.Flow.Submission[0];
        program.Results.Single().Status.Should().Be(TestStatus.Timeout, "the problem's 0.3 s wins over the stage's 5 s");
        run.Flow.Hidden.Single().Passed.Should().BeFalse();
        run.Flow.Hidden.Single().Result.Should().Contain("timeout");
    }
}
