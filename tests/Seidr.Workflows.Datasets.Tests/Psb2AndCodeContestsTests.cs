using System.Text.Json;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Tests;

/// <summary>PSB2 downloads split by the paper's protocol, PSB2's descriptions, and CodeContests records with their limits.</summary>
public class Psb2AndCodeContestsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-psb2-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A PSB2 download as the psb2 package caches it: root/name/name-edge.json and name-random.json.</summary>
    private string WritePsb2(string name, int edge, int random)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "psb2", name)).FullName;
        File.WriteAllLines(Path.Combine(folder, $"{name}-edge.json"),
            Enumerable.Range(0, edge).Select(i => JsonSerializer.Serialize(new { input1 = -i, input2 = new[] { i, i + 1 }, output1 = $"e{i}" })));
        File.WriteAllLines(Path.Combine(folder, $"{name}-random.json"),
            Enumerable.Range(0, random).Select(i => JsonSerializer.Serialize(new { input1 = i, input2 = new[] { i }, output1 = $"r{i}", output2 = i * 0.5 })));
        return Path.Combine(_dir, "psb2");
    }

    [Fact]
    public void Psb2_split_draws_train_and_test_cases_deterministically_for_a_seed_and_never_shares_a_case()
    {
        var root = WritePsb2("sum", edge: 5, random: 1000);
        WritePsb2("gcd", edge: 3, random: 1000);
        var split = new Psb2Split { TrainRandom = 20, TestRandom = 200, Seed = 7 };
        var a = ProblemFileLoader.Load(root, split);
        var b = ProblemFileLoader.Load(root, split);
        a.Select(p => p.Id).Should().Equal("PSB2/gcd", "PSB2/sum");
        var sum = a[1];
        sum.Visible.Should().HaveCount(5 + 20, "every edge case and 20 random ones");
        sum.Hidden.Should().HaveCount(200);
        sum.Visible.Take(5).Should().Equal(Enumerable.Range(0, 5).Select(i => (TestSpec)new IoTest($"{-i}\n{i} {i + 1}\n", $"e{i}\n")), "edge cases come first, in file order");
        sum.Visible.Skip(5).Intersect(sum.Hidden).Should().BeEmpty("train and test random cases are drawn without overlap");
        sum.Hidden.Distinct().Should().HaveCount(200);
        a.Zip(b).Should().OnlyContain(p => p.First.Visible.SequenceEqual(p.Second.Visible) && p.First.Hidden.SequenceEqual(p.Second.Hidden), "the same seed draws the same cases");

        var other = ProblemFileLoader.Load(root, split with { Seed = 8 })[1];
        other.Hidden.Should().NotEqual(sum.Hidden, "another seed draws other cases");
        a[0].Hidden.Should().NotEqual(sum.Hidden, "each problem has its own draw");
        sum.Hidden[0].Should().BeOfType<IoTest>().Which.ExpectedOutput.Should().MatchRegex(@"^r\d+\n\d+(\.\d+)?\n$", "outputs are one per line");

        var all = ProblemFileLoader.Load(root)[1];
        all.Visible.Should().HaveCount(5);
        all.Hidden.Should().HaveCount(1000, "without a split every random case is hidden");
        var twoEdge = ProblemFileLoader.Load(root, new Psb2Split { TrainEdge = 2, TestRandom = 10, Seed = 1 })[1];
        twoEdge.Visible.Should().HaveCount(2);
        twoEdge.Hidden.Should().HaveCount(10);
        FluentActions.Invoking(() => ProblemFileLoader.Load(root, new Psb2Split { TrainRandom = 600, TestRandom = 600 }))
            .Should().Throw<DatasetException>().WithMessage("*gcd-random.json*600 train and 600 test*1000 random cases*");
    }

    [Fact]
    public void Psb2_descriptions_come_from_tasks_txt_unless_the_folder_has_its_own()
    {
        var tasks = Path.Combine(Repo.Root, "..", "shared", "data", "psb2", "tasks.txt");
        var shipped = new[] { Path.Combine(Repo.Root, "data", "psb2", "tasks.txt"), tasks }.FirstOrDefault(File.Exists);
        if (shipped is null) return; // neither the repository's data folder nor ../shared/data has it on this machine
        var all = Psb2Loader.ReadTasks(shipped);
        all.Should().HaveCount(25, "PSB2 has 25 problems");
        all["gcd"].Should().Be("Given two integers, return the largest integer that divides each of the integers evenly.", "the slip that joined the next heading to gcd's line is cut");
        all["basement"].Should().Contain("first index").And.NotContain("\ufb01", "the PDF's ligatures are unfolded");

        var root = WritePsb2("gcd", 2, 10);
        WritePsb2("mine", 2, 10);
        File.WriteAllText(Path.Combine(root, "mine", "description.txt"), "My own words.\n");
        var problems = ProblemFileLoader.Load(root, null, shipped);
        problems[0].Description.Should().Be(all["gcd"]);
        problems[0].Prompt.Should().StartWith(all["gcd"]).And.Contain("standard input");
        problems[1].Description.Should().Be("My own words.");
    }

    private string WriteCodeContests(params object[] records)
    {
        var path = Path.Combine(_dir, "cc.jsonl");
        File.WriteAllLines(path, records.Select(r => JsonSerializer.Serialize(r)));
        return path;
    }

    private static object Tests(params (string In, string Out)[] cases) => new { input = cases.Select(c => c.In).ToArray(), output = cases.Select(c => c.Out).ToArray() };

    [Fact]
    public void A_codecontests_file_loads_public_tests_visible_private_and_generated_hidden_with_its_limits()
    {
        var path = WriteCodeContests(
            new
            {
                name = "1_A. Theatre Square", description = "Count the flagstones.", source = 2, difficulty = 7, cf_rating = 1000,
                public_tests = Tests(("6 6 4\n", "4\n")),
                private_tests = Tests(("1 1 1\n", "1\n"), ("2 1 1\n", "2\n")),
                generated_tests = Tests(("9 9 3\n", "9\n")),
                time_limit = new { seconds = 1, nanos = 500000000 }, memory_limit_bytes = 256L * 1024 * 1024,
                solutions = new { language = new[] { 2, 3 }, solution = new[] { "int main(){}", "print(1)" } },
                incorrect_solutions = new { language = new[] { 1 }, solution = new[] { "print 2" } },
            },
            new
            {
                name = "1_B. Public only", description = "Echo.", public_tests = Tests(("x\n", "x\n")),
                private_tests = Tests(), generated_tests = Tests(), time_limit = (object?)null, memory_limit_bytes = 0,
                solutions = new { language = Array.Empty<int>(), solution = Array.Empty<string>() },
            });
        CodeContestsLoader.IsCodeContests(path).Should().BeTrue();
        var problems = ProblemFileLoader.Load(path);
        var a = problems[0];
        a.Id.Should().Be("1_A. Theatre Square");
        a.Dataset.Should().Be("codecontests");
        a.Shape.Should().Be(ProblemShape.StdinStdout);
        a.Visible.Should().Equal(new IoTest("6 6 4\n", "4\n"));
        a.Hidden.Should().Equal(new IoTest("1 1 1\n", "1\n"), new IoTest("2 1 1\n", "2\n"), new IoTest("9 9 3\n", "9\n"));
        a.TimeLimit.Should().Be(TimeSpan.FromSeconds(1.5));
        a.MemoryLimitMb.Should().Be(256);
        a.CanonicalSolution.Should().Be("print(1)", "the first Python 3 solution");
        a.Extra["solution_languages"].Should().Be("cpp,python3");
        a.Extra["cf_rating"].Should().Be("1000");
        a.Prompt.Should().StartWith("Count the flagstones.");

        var b = problems[1];
        b.TimeLimit.Should().BeNull();
        b.MemoryLimitMb.Should().BeNull();
        b.Hidden.Should().Equal(b.Visible, "a record with only public tests is judged by them, and says so");
        b.Extra["hidden_tests"].Should().Contain("public");
    }

    [Theory]
    [InlineData("{\"name\": \"a\", \"description\": \"d\", \"public_tests\": {\"input\": [\"1\"], \"output\": []}}", "'public_tests' has 1 inputs but 0 outputs")]
    [InlineData("{\"name\": \"a\", \"description\": \"d\", \"public_tests\": {\"input\": [\"1\"], \"output\": [\"1\"]}, \"time_limit\": {\"seconds\": \"2\"}}", "'time_limit.seconds' must be a number")]
    [InlineData("{\"name\": \"a\", \"description\": \"d\", \"public_tests\": {\"input\": [\"1\"], \"output\": [\"1\"]}, \"memory_limit_bytes\": -5}", "'memory_limit_bytes'")]
    [InlineData("{\"name\": \"a\", \"public_tests\": {\"input\": [], \"output\": []}}", "field 'description' is missing")]
    public void Bad_codecontests_records_name_the_file_line_and_field(string record, string message)
    {
        var path = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllText(path, "{\"name\": \"ok\", \"description\": \"d\", \"public_tests\": {\"input\": [\"1\"], \"output\": [\"1\"]}}\n" + record + "\n");
        var e = FluentActions.Invoking(() => ProblemFileLoader.Load(path)).Should().Throw<DatasetException>().Which;
        e.Line.Should().Be(2);
        e.Message.Should().StartWith($"{path}:2: ").And.Contain(message);
    }

    [Fact]
    public void The_shipped_example_files_load()
    {
        var cc = ProblemFileLoader.Load(Path.Combine(Repo.Root, "workflows", "problems", "codecontests.jsonl"));
        cc.Should().HaveCount(3);
        cc.Should().OnlyContain(p => p.TimeLimit != null && p.MemoryLimitMb != null && p.Hidden.Length >= 5);
        var psb2 = ProblemFileLoader.Load(Path.Combine(Repo.Root, "workflows", "problems", "psb2"), new Psb2Split { TrainRandom = 2, TestRandom = 10, Seed = 1 });
        psb2.Select(p => p.Id).Should().Equal("PSB2/dice-game", "PSB2/fizz-buzz", "PSB2/gcd");
        psb2.Should().OnlyContain(p => p.Hidden.Length == 10);
    }

    [Fact]
    public void A_problem_file_can_set_the_language()
    {
        var path = Path.Combine(_dir, "p.yaml");
        File.WriteAllText(path, "problems:\n- {id: a, description: d, language: cpp, tests: [{input: x, output: y}]}\n- {id: b, description: d, language: rust, tests: [{input: x, output: y}]}\n");
        var e = FluentActions.Invoking(() => ProblemFileLoader.Load(path)).Should().Throw<DatasetException>().Which;
        e.Line.Should().Be(3);
        e.Message.Should().Contain("'language' must be python or cpp");
        File.WriteAllText(path, "problems:\n- {id: a, description: d, language: cpp, tests: [{input: x, output: y}]}\n");
        ProblemFileLoader.Load(path).Single().Language.Should().Be("cpp");
    }
}
