using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Stages;

public class TestFeedbackTests
{
    private static Candidate Program(params TestResult[] results) => new()
    {
        Id = "p", Kind = CandidateKinds.Program, Content = "x", Stage = "draft", Score = 0, Results = [.. results],
    };

    [Fact]
    public void Failed_tests_are_shown_as_expected_vs_actual_up_to_the_limit()
    {
        var p = Program(
            new TestResult("assert f(1) == 2", TestStatus.Passed),
            new TestResult("assert f(2) == 4", TestStatus.Failed) { Expected = "4", Actual = "3" },
            new TestResult("assert f(3) == 6", TestStatus.Timeout),
            new TestResult("assert f(4) == 8", TestStatus.Error) { Message = "ZeroDivisionError: division by zero" });
        TestFeedback.Render(p, 2).Should().Be(
            "Test: assert f(2) == 4\nExpected: 4\nActual: 3\n\n" +
            "Test: assert f(3) == 6\nActual: the program did not finish within the time limit\n\n" +
            "(1 more failing test(s) not shown)\n");
        TestFeedback.Render(p, 5).Should().Contain("Actual: error\nZeroDivisionError: division by zero");
    }

    [Fact]
    public void A_program_without_failures_has_no_feedback()
    {
        TestFeedback.Render(Program(new TestResult("t", TestStatus.Passed)), 3).Should().BeEmpty();
        TestFeedback.HasFailures(Program()).Should().BeFalse();
    }

    [Fact]
    public void Long_values_are_cut_in_the_middle()
    {
        var text = TestFeedback.Render(Program(new TestResult("t", TestStatus.Failed) { Expected = "1", Actual = new string('x', 5000) }), 1);
        text.Length.Should().BeLessThan(TestFeedback.MaxValueLength + 100);
        text.Should().Contain(" ... ");
    }
}
