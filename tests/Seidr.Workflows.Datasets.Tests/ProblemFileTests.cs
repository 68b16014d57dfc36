using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Tests;

public class ProblemFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-problems-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    private string Write(string yaml, string name = "p.yaml")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void The_example_problem_file_loads_function_and_stdin_problems()
    {
        var path = Path.Combine(Repo.Root, "workflows", "problems", "examples.yaml");
        var problems = ProblemFileLoader.Load(path);
        problems.Select(p => p.Id).Should().Equal("running-max", "digit-sum", "word-count");
        var max = problems[0];
        max.Dataset.Should().Be("examples");
        max.EntryPoint.Should().Be("running_max");
        max.Shape.Should().Be(ProblemShape.Function);
        max.Prompt.Should().StartWith("def running_max(numbers: list[int]) -> list[int]:\n    \"\"\"\n    Return the list of running maxima");
        max.Prompt.Should().EndWith("\n    \"\"\"\n");
        max.Visible.Should().Equal(new AssertTest("assert running_max([1, 3, 2, 5]) == [1, 3, 3, 5]"), new AssertTest("assert running_max([]) == []"));
        max.Hidden.Should().HaveCount(3);
        var words = problems[2];
        words.Shape.Should().Be(ProblemShape.StdinStdout);
        words.EntryPoint.Should().BeNull();
        words.Visible.Should().Equal(new IoTest("hello world\n", "2\n"));
        words.Prompt.Should().Contain("standard input");
    }

    [Fact]
    public void A_prompt_and_check_tests_are_taken_as_given()
    {
        var path = Write("""
            problems:
            - id: p1
              prompt: "def f(x):\n    pass\n"
              entry_point: f
              tests:
              - {check: "def check(candidate):\n    assert candidate(1) == 1\n"}
              answer: "1"
              extra: {hint: use identity}
            """);
        var p = ProblemFileLoader.Load(path).Single();
        p.Prompt.Should().Be("def f(x):\n    pass\n");
        p.Hidden.Should().Equal(new CheckTest("def check(candidate):\n    assert candidate(1) == 1\n", "f"));
        p.Answer.Should().Be("1");
        p.Extra["hint"].Should().Be("use identity");
        p.Dataset.Should().Be("p");
    }

    [Theory]
    [InlineData("problems: []", 1, "'problems'")]
    [InlineData("problems:\n- id: a\n  description: d\n  signature: \"def f(x):\"\n", 2, "'tests'")]
    [InlineData("problems:\n- id: a\n  description: d\n  signature: \"f(x)\"\n  tests: [assert f(1) == 1]\n", 4, "'signature' must be a Python def line")]
    [InlineData("problems:\n- id: a\n  description: d\n  tests: [assert f(1) == 1]\n", 2, "need a 'signature'")]
    [InlineData("problems:\n- id: a\n  description: d\n  signature: \"def f(x):\"\n  tests: [{input: x, output: y}]\n", 2, "cannot be mixed")]
    [InlineData("problems:\n- id: a\n  description: d\n  signature: \"def f(x):\"\n  tests: [print(1)]\n", 5, "must be an assert statement")]
    [InlineData("problems:\n- id: a\n  descripton: d\n", 3, "unknown field 'descripton'")]
    [InlineData("problems:\n- id: a\n  signature: \"def f(x):\"\n  tests: [assert f(1) == 1]\n", 2, "give a 'description'")]
    [InlineData("problems:\n- {id: a, description: d, tests: [{input: x}]}\n", 2, "needs 'output'")]
    [InlineData("problems:\n- {id: a, description: d, tests: [{input: x, output: y}]}\n- {id: a, description: d, tests: [{input: x, output: y}]}\n", 3, "used twice")]
    [InlineData("problems: [\n", 2, "not valid YAML")]
    public void Bad_problem_files_are_reported_with_file_line_and_field(string yaml, int line, string message)
    {
        var path = Write(yaml);
        var e = FluentActions.Invoking(() => ProblemFileLoader.Load(path)).Should().Throw<DatasetException>().Which;
        e.Path.Should().Be(path);
        e.Line.Should().Be(line);
        e.Message.Should().Contain(message).And.StartWith($"{path}:{line}: ");
    }

    [Fact]
    public void A_psb2_folder_gives_stdin_problems_with_edge_cases_visible_and_random_cases_hidden()
    {
        var problems = ProblemFileLoader.Load(Data("psb2"));
        problems.Select(p => p.Id).Should().Equal("PSB2/fizz-buzz", "PSB2/gcd");
        var fizz = problems[0];
        fizz.Shape.Should().Be(ProblemShape.StdinStdout);
        fizz.Visible.Should().HaveCount(4).And.Contain(new IoTest("15\n", "FizzBuzz\n"));
        fizz.Hidden.Should().HaveCount(20);
        fizz.Description.Should().StartWith("Given an integer x, return \"Fizz\"");
        var gcd = problems[1];
        gcd.Visible[2].Should().Be(new IoTest("54\n24\n", "6\n"));
        gcd.Description.Should().Be("PSB2 problem 'gcd'.");
        ProblemFileLoader.Load(Data("psb2", "gcd")).Single().Id.Should().Be("PSB2/gcd", "a single problem folder loads too");
        ProblemFileLoader.CanLoad(Data("psb2")).Should().BeTrue();
    }

    [Fact]
    public void Bad_psb2_cases_name_the_file_and_line()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "bad", "sum")).FullName;
        File.WriteAllText(Path.Combine(folder, "sum-edge.json"), "{\"input1\": 1, \"output1\": 1}\n{\"input1\": 2, \"outptu1\": 2}\n");
        File.WriteAllText(Path.Combine(folder, "sum-random.json"), "{\"input1\": 1, \"output1\": 1}\n");
        var e = FluentActions.Invoking(() => ProblemFileLoader.Load(Path.Combine(_dir, "bad"))).Should().Throw<DatasetException>().Which;
        e.Line.Should().Be(2);
        e.Message.Should().Contain("unknown field 'outptu1'").And.Contain("sum-edge.json");
        FluentActions.Invoking(() => ProblemFileLoader.Load(_dir)).Should().Throw<DatasetException>().WithMessage("*a folder must hold PSB2 problems*");
    }

    [Fact]
    public void The_catalog_resolves_problem_files_relative_to_the_workflow()
    {
        var catalog = new DatasetCatalog(_dir);
        catalog.Check("problems/examples.yaml", Path.Combine(Repo.Root, "workflows")).Should().BeNull();
        catalog.Check("problems/psb2", Path.Combine(Repo.Root, "workflows")).Should().BeNull();
        catalog.Load("problems/examples.yaml", Path.Combine(Repo.Root, "workflows")).Should().HaveCount(3);
        catalog.Check("problems/nothing.yaml", Path.Combine(Repo.Root, "workflows")).Should().Contain("unknown dataset");
    }
}

internal static class Repo
{
    public static string Root => global::Seidr.Workflows.Tests.RepoRoot.Path;
}
