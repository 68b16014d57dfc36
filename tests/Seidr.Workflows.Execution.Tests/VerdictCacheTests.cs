using Seidr.Workflows.Execution.Cache;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>The verdict cache: a second runner over the same file executes nothing, and anything that decides a verdict is in its key.</summary>
public sealed class VerdictCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-verdicts-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private const string Program = "def add(a, b):\n    return a + b if a != 3 else 0\n";
    private static readonly TestSpec[] Tests =
    [
        new AssertTest("assert add(1, 2) == 3"),
        new AssertTest("assert add(3, 4) == 7"),
        new AssertTest("assert add(None, 1) == 1"),
        new IoTest("", ""),
    ];

    private static TestRunRequest Request(string source = Program, TimeSpan? timeout = null, IReadOnlyList<TestSpec>? tests = null) =>
        new(ProgramLanguage.Python, source, tests ?? Tests) { TestTimeout = timeout ?? TimeSpan.FromSeconds(1) };

    private async Task<SandboxRunner> StartAsync(VerdictCache cache, string python = "python3") =>
        await SandboxRunner.StartAsync(new RunnerOptions { MaxParallelism = 1, Python = python, VerdictCache = cache, OnWarning = _ => { } });

    [Fact]
    public async Task A_second_runner_on_the_same_file_executes_nothing_and_gets_the_same_verdicts()
    {
        var path = Path.Combine(_dir, "verdicts.db");
        TestReport first;
        CheckVerdict check;
        await using (var cache = VerdictCache.Open(path))
        await using (var runner = await StartAsync(cache))
        {
            first = await runner.RunTestsAsync(Request());
            check = await runner.CheckAsync("def f():\n    return 1\nassert f() == 2\n", TimeSpan.FromSeconds(3));
            runner.Executed.Should().Be(2);
            runner.FromCache.Should().Be(0);
        }
        first.Outcomes.Select(o => o.Status).Should().Equal(TestStatus.Passed, TestStatus.Failed, TestStatus.Error, TestStatus.Passed);
        check.Passed.Should().BeFalse();

        await using (var cache = VerdictCache.Open(path))
        await using (var runner = await StartAsync(cache))
        {
            var again = await runner.RunTestsAsync(Request());
            var checkAgain = await runner.CheckAsync("def f():\n    return 1\nassert f() == 2\n", TimeSpan.FromSeconds(3));
            runner.Executed.Should().Be(0, "both verdicts are in the file");
            runner.FromCache.Should().Be(2);
            cache.Hits.Should().Be(2);
            again.Should().BeEquivalentTo(first, "a cached report is the report that was stored");
            again.Score.Should().Be(first.Score);
            checkAgain.Should().Be(check);
        }
    }

    [Fact]
    public async Task A_changed_program_test_limit_or_interpreter_is_executed_again()
    {
        var path = Path.Combine(_dir, "verdicts.db");
        await using (var cache = VerdictCache.Open(path))
        await using (var runner = await StartAsync(cache))
            await runner.RunTestsAsync(Request());

        await using (var cache = VerdictCache.Open(path))
        {
            await using (var runner = await StartAsync(cache))
            {
                await runner.RunTestsAsync(Request(source: Program + "# changed\n"));
                await runner.RunTestsAsync(Request(timeout: TimeSpan.FromSeconds(2)));
                await runner.RunTestsAsync(Request(tests: [.. Tests.Take(3)]));
                await runner.RunTestsAsync(Request(tests: [.. Tests.Take(3), new IoTest("", "x")]));
                await runner.RunTestsAsync(Request() with { Limits = ExecutionLimits.Default with { MemoryMb = 512 } });
                await runner.RunTestsAsync(Request() with { Comparison = OutputComparison.Exact });
                runner.Executed.Should().Be(6, "each request differs from the stored one in something that decides its verdict");
                await runner.RunTestsAsync(Request());
                runner.FromCache.Should().Be(1);
            }
            // Another interpreter (pypy3 is installed with the test dependencies) gets its own verdicts.
            await using (var pypy = await StartAsync(cache, "pypy3"))
            {
                await pypy.RunTestsAsync(Request());
                pypy.Executed.Should().Be(1);
            }
        }
    }

    [Fact]
    public async Task A_read_only_cache_serves_verdicts_and_stores_none()
    {
        var path = Path.Combine(_dir, "verdicts.db");
        await using (var cache = VerdictCache.Open(path))
        await using (var runner = await StartAsync(cache))
            await runner.RunTestsAsync(Request());
        await using (var cache = VerdictCache.Open(path, readOnly: true))
        await using (var runner = await StartAsync(cache))
        {
            await runner.RunTestsAsync(Request());
            await runner.RunTestsAsync(Request(source: "def add(a, b):\n    return 0\n"));
            (runner.FromCache, runner.Executed).Should().Be((1, 1));
        }
        await using (var cache = VerdictCache.Open(path))
            cache.Stored.Should().Be(0);
        await using (var cache = VerdictCache.Open(path))
        await using (var runner = await StartAsync(cache))
        {
            await runner.RunTestsAsync(Request(source: "def add(a, b):\n    return 0\n"));
            runner.Executed.Should().Be(1, "the read-only cache stored nothing");
        }
    }

    [Fact]
    public void A_file_that_is_not_a_verdict_cache_is_refused_naming_it()
    {
        var path = Path.Combine(_dir, "not-a-cache.db");
        File.WriteAllText(path, "this is not SQLite");
        var act = () => VerdictCache.Open(path);
        act.Should().Throw<IOException>().Which.Message.Should().Contain(path);
        var missing = Path.Combine(_dir, "missing.db");
        ((Action)(() => VerdictCache.Open(missing, readOnly: true))).Should().Throw<FileNotFoundException>().Which.Message.Should().Contain(missing);
    }
}
