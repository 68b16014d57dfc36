using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Tests;

/// <summary>The built-in datasets, read from the data folder that ships with the repository.</summary>
public class BuiltInDatasetTests
{
    private static readonly DatasetCatalog Catalog = new(DatasetCatalog.ResolveDataDirectory(Repo.Root));

    [Fact]
    public void HumanEval_with_and_without_docstring_examples()
    {
        var with = Catalog.Load("humaneval", Repo.Root);
        var without = Catalog.Load("humaneval-no-examples", Repo.Root);
        with.Should().HaveCount(164);
        without.Should().HaveCount(164);
        with[0].Prompt.Should().Contain(">>> has_close_elements");
        without[0].Prompt.Should().NotContain(">>>");
        without[0].Visible.Should().Equal(with[0].Visible, "the examples stay visible tests");
        with[0].Visible.Should().NotBeEmpty();
        with.Should().OnlyContain(p => p.Hidden.Length == 1 && p.Hidden[0] is CheckTest);
        without[0].Extra.Should().ContainKey("test_prompt").And.ContainKey("prompt_with_examples");
    }

    [Fact]
    public void Mbpp_sanitized_has_one_visible_assert_and_the_whole_check_hidden()
    {
        var mbpp = Catalog.Load("mbpp", Repo.Root);
        mbpp.Should().HaveCount(427);
        mbpp.Should().OnlyContain(p => p.Hidden.Length == 1);
        mbpp.Count(p => p.Visible.Length == 1).Should().BeGreaterThan(400);
        var first = mbpp.First(p => p.Visible.Length == 1);
        ((AssertTest)first.Visible[0]).Code.Should().StartWith("assert ").And.Contain(first.EntryPoint + "(");
    }

    [Fact]
    public void Gsm8k_problems_compare_solution_with_the_final_answer()
    {
        var gsm = Catalog.Load("gsm8k", Repo.Root);
        gsm.Should().HaveCount(1319);
        gsm[0].EntryPoint.Should().Be("solution");
        gsm[0].Visible.Should().BeEmpty();
        gsm[0].Hidden.Should().Equal(new AssertTest($"assert abs(float(solution()) - {gsm[0].Answer}) < 1e-6"));
    }

    [Fact]
    public void Selections_take_ranges_ids_and_seeded_samples()
    {
        var he = Catalog.Load("humaneval", Repo.Root);
        new ProblemSelection("0-19").Apply(he).Should().HaveCount(20);
        new ProblemSelection("HumanEval/7, 3").Apply(he).Select(p => p.Id).Should().Equal("HumanEval/7", "HumanEval/3");
        var a = new ProblemSelection("random:10:seed=5").Apply(he).Select(p => p.Id).ToList();
        a.Should().HaveCount(10).And.OnlyHaveUniqueItems().And.Equal(new ProblemSelection("random:10:seed=5").Apply(he).Select(p => p.Id));
        new ProblemSelection("random:10:seed=6").Apply(he).Select(p => p.Id).Should().NotEqual(a);
        FluentActions.Invoking(() => new ProblemSelection("0-200").Apply(he)).Should().Throw<ProblemSelectionException>().WithMessage("*out of range*");
    }
}
