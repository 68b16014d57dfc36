using System.Collections.Immutable;
using System.Text.Json;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.Ranking;

public class CodeTAgreementTests
{
    /// <summary>A matrix from rows of '1'/'0' (passed or not), with multiplicities.</summary>
    internal static DualExecution Matrix(int[] programCounts, int[] testCounts, params string[] rows) => new()
    {
        Programs = [.. rows.Select((_, i) => $"p{i}")],
        ProgramCounts = [.. programCounts],
        Tests = [.. testCounts.Select((_, i) => $"assert t{i}")],
        TestCounts = [.. testCounts],
        Passed = [.. rows.Select(r => r.Select(c => c == '1').ToImmutableArray())],
        Outcomes = [.. rows.Select(r => r.Select(c => c == '1' ? "=" : "failed").ToImmutableArray())],
    };

    [Fact]
    public void A_consensus_set_scores_its_passed_cases_with_duplicates_times_the_root_of_its_samples()
    {
        // p0 (3 samples) and p1 (2 samples) pass the same cases t0 (x2) and t1 (x1); p2 passes t2 (x3); p3 passes nothing.
        var m = Matrix([3, 2, 1, 4], [2, 1, 3], "110", "110", "001", "000");
        var sets = CodeTAgreement.ConsensusSets(m);
        sets.Should().HaveCount(2);
        sets[0].Programs.Should().Equal(0, 1);
        sets[0].Score.Should().Be(3 * Math.Sqrt(5));
        sets[1].Programs.Should().Equal(2);
        sets[1].Score.Should().Be(3.0);

        var ranking = CodeTAgreement.Rank(m);
        ranking.Fallback.Should().BeFalse();
        ranking.Groups.Select(g => g.Programs.ToArray()).Should().BeEquivalentTo(new[] { new[] { 0, 1 }, new[] { 2 } }, o => o.WithStrictOrdering());
        ranking.Groups[0].Samples(m).Should().Be(5);
    }

    [Fact]
    public void Programs_passing_no_case_are_not_ranked()
    {
        var m = Matrix([50, 1], [1], "0", "1");
        CodeTAgreement.Rank(m).Groups.Should().ContainSingle().Which.Programs.Should().Equal(1);
    }

    [Fact]
    public void Sets_of_equal_score_are_merged_as_CodeTs_evaluation_merges_them()
    {
        // p0: 2 cases x sqrt(4) = 4; p1: 4 cases x sqrt(1) = 4; p2: 1 case x sqrt(1) = 1.
        var m = Matrix([4, 1, 1], [2, 1, 3], "100", "011", "010");
        var ranking = CodeTAgreement.Rank(m);
        ranking.Groups.Should().HaveCount(2);
        ranking.Groups[0].Programs.Should().BeEquivalentTo([0, 1]);
        ranking.Groups[0].Score.Should().Be(4.0);
        ranking.Groups[1].Programs.Should().Equal(2);
    }

    [Fact]
    public void When_no_program_passes_any_case_the_pool_is_one_group_and_the_ranking_says_it_fell_back()
    {
        var m = Matrix([2, 3], [1, 1], "00", "00");
        var ranking = CodeTAgreement.Rank(m);
        ranking.Fallback.Should().BeTrue();
        ranking.Groups.Should().ContainSingle().Which.Programs.Should().Equal(0, 1);
    }

    [Fact]
    public void An_empty_pool_falls_back_to_an_empty_group()
    {
        var m = Matrix([], [1]);
        var ranking = CodeTAgreement.Rank(m);
        ranking.Fallback.Should().BeTrue();
        ranking.Groups.Should().ContainSingle().Which.Programs.Should().BeEmpty();
    }

    [Fact]
    public void With_no_test_cases_every_problem_falls_back()
    {
        var m = Matrix([1, 1], [], "", "");
        CodeTAgreement.Rank(m).Fallback.Should().BeTrue();
    }

    [Fact]
    public void The_matrix_counts_program_samples_and_test_occurrences_and_maps_results_by_test()
    {
        static Candidate Program(string id, string code, params TestResult[] results) =>
            new() { Id = id, Kind = CandidateKinds.Program, Content = code, Stage = "draft", Results = [.. results] };
        static Candidate Set(string id, params string[] asserts) =>
            new() { Id = id, Kind = CandidateKinds.TestSet, Content = JsonSerializer.Serialize<List<TestSpec>>([.. asserts.Select(a => new AssertTest(a))], new JsonSerializerOptions(JsonSerializerDefaults.Web)), Stage = "tests" };
        const string a = "assert f(1) == 1", b = "assert f(\n2) == 2";
        var population = new Population(
        [
            Program("d.0", "def f(x): return x", new TestResult(a, TestStatus.Passed), new TestResult(b, TestStatus.Passed)),
            Program("d.1", "def f(x): return 1", new TestResult(a, TestStatus.Passed), new TestResult(b, TestStatus.Failed) { Actual = "1", Expected = "2" }),
            Program("d.2", "def f(x): return x"),
            Set("t.0", a, b, a),
            Set("t.1", b),
        ]);
        var m = DualExecution.From(population);
        m.Programs.Should().Equal("def f(x): return x", "def f(x): return 1");
        m.ProgramCounts.Should().Equal(2, 1);
        m.Tests.Should().Equal(a, b);
        m.TestCounts.Should().Equal(2, 2);
        m.Passed[0].Should().Equal(true, true);
        m.Passed[1].Should().Equal(true, false);
        m.Outcomes[1].Should().Equal("=", "≠1");
        m.ProgramTotal.Should().Be(3);
    }
}
