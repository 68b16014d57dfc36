using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>Runs programs against tests in the sandbox and scores each by the fraction of tests passed.</summary>
[Activity("Seidr", "Execute", Category = "Evaluation", Spends = false, DisplayName = "Execute", Description = "Runs every program against the problem's visible examples, the generated test sets in the population, or both; each test gets its own verdict.")]
public sealed class Execute : Activity
{
    /// <summary>All programs, scored, with the other candidates passed along.</summary>
    [Outcome(Description = "All programs, scored, with the other candidates passed along.")]
    public const string Done = Ports.Done;

    /// <summary>Programs that passed every test.</summary>
    [Outcome(Description = "Programs that passed every test.")]
    public const string Passed = "Passed";

    /// <summary>Programs that failed at least one test.</summary>
    [Outcome(Description = "Programs that failed at least one test.")]
    public const string Failed = "Failed";

    /// <summary>
    /// Which tests: 'examples' (the problem's visible tests), 'generated' (test sets in the population), 'both', or
    /// 'auto' (generated when there are any, else examples).
    /// </summary>
    [Input(Description = "Which tests: 'examples' (the problem's visible tests), 'generated' (test sets in the population), 'both', or 'auto' (generated when there are any, else examples).")]
    public TestSource Tests { get; set; } = TestSource.Auto;

    /// <summary>
    /// Time limit of each test in milliseconds (a problem's own time limit, as CodeContests gives, wins).
    /// </summary>
    [Input(Description = "Time limit of each test in milliseconds (a problem's own time limit, as CodeContests gives, wins).", Min = 1)]
    public int TimeoutMs { get; set; } = 1000;

    /// <summary>Memory limit of a program in MiB (a problem's own memory limit wins).</summary>
    [Input(Description = "Memory limit of a program in MiB (a problem's own memory limit wins).", Min = 16)]
    public int MemoryMb { get; set; } = 1024;

    /// <summary>
    /// Reuse the verdicts of an identical program on identical tests and limits already run in this experiment (e.g. by
    /// another variant of a ranking comparison) instead of running it again.
    /// </summary>
    [Input(Description = "Reuse the verdicts of an identical program on identical tests and limits already run in this experiment (e.g. by another variant of a ranking comparison) instead of running it again.")]
    public bool ReuseResults { get; set; }

    /// <summary>
    /// Run only the program-test pairs not run yet (in this flow, or in this run with reuse_results) and keep the
    /// earlier verdicts: a pool of programs and tests that grows each round runs every pair once.
    /// </summary>
    [Input(Description = "Run only the program-test pairs not run yet (in this flow, or in this run with reuse_results) and keep the earlier verdicts: a pool of programs and tests that grows each round runs every pair once.")]
    public bool Incremental { get; set; }

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var tests = SelectTests(context);
        var programs = context.Input.Programs;
        var runner = context.GetRequiredService<SandboxRunner>();
        var language = Languages.Of(context.Problem);
        // A problem's own limits (CodeContests') are the benchmark's rule and win over the stage's defaults.
        var timeout = context.Problem.TimeLimit ?? TimeSpan.FromMilliseconds(TimeoutMs);
        var memoryMb = context.Problem.MemoryLimitMb ?? MemoryMb;
        // One request shape for both paths, so incremental runs a C++ problem as C++ under the problem's limits too.
        Task<TestReport> Run(string source, List<TestSpec> batch) => runner.RunTestsAsync(new TestRunRequest(language, source, batch)
        {
            EntryPoint = context.Problem.EntryPoint,
            TestTimeout = timeout,
            Limits = ExecutionLimits.Default with { MemoryMb = memoryMb, WallTimeout = TimeSpan.FromMilliseconds(Math.Max(10_000, timeout.TotalMilliseconds * 4)) },
        }, context.CancellationToken);
        var setting = new VerdictSetting(language, (int)timeout.TotalMilliseconds, memoryMb);
        if (Incremental) return await ExecuteIncrementalAsync(context, tests, programs, setting, Run);
        // Each distinct program runs once; duplicates share the verdicts.
        var reports = new ConcurrentDictionary<string, Task<TestReport>>(StringComparer.Ordinal);
        var shared = ReuseResults ? context.GetRequiredService<RunVerdicts>().Reports : null;
        var testsKey = shared is null ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0000", tests.Select(TestSets.Key)))));
        async Task<TestReport> RunShared(string source)
        {
            var key = (testsKey, setting, source);
            var task = shared!.GetOrAdd(key, _ => Run(source, tests));
            try { return await task; }
            catch { shared.TryRemove(new KeyValuePair<(string, VerdictSetting, string), Task<TestReport>>(key, task)); throw; } // a cancelled or failed run is not reused
        }
        var scored = await Task.WhenAll(programs.Select(async p =>
        {
            var report = await reports.GetOrAdd(p.Content, source => shared is null ? Run(source, tests) : RunShared(source));
            return context.Scored(p with { Score = tests.Count == 0 ? 0 : report.Score, Results = ToResults(tests, report) });
        }));
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program).ToList();
        return ActivityResult.Of(Done, scored.Concat(others))
            .And(Passed, scored.Where(p => p.PassedAll))
            .And(Failed, scored.Where(p => !p.PassedAll));
    }

    private async Task<ActivityResult> ExecuteIncrementalAsync(ActivityContext context, List<TestSpec> tests, IReadOnlyList<Candidate> programs, VerdictSetting setting, Func<string, List<TestSpec>, Task<TestReport>> run)
    {
        var pairs = ReuseResults ? context.GetRequiredService<RunVerdicts>().Pairs : context.GetOrAddState(() => new PairVerdicts());
        var byProgram = new ConcurrentDictionary<string, Task<ImmutableArray<TestResult>>>(StringComparer.Ordinal);
        var scored = await Task.WhenAll(programs.Select(async p =>
        {
            var results = await byProgram.GetOrAdd(p.Content, source => pairs.ResultsAsync(source, tests, setting, run));
            var passed = results.Count(r => r.Passed);
            return context.Scored(p with { Score = tests.Count == 0 ? 0 : (double)passed / tests.Count, Results = results });
        }));
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program).ToList();
        return ActivityResult.Of(Done, scored.Concat(others))
            .And(Passed, scored.Where(p => p.PassedAll))
            .And(Failed, scored.Where(p => !p.PassedAll));
    }

    private List<TestSpec> SelectTests(ActivityContext context)
    {
        var generated = GeneratedTests(context.Input);
        var examples = context.Problem.Visible;
        return Tests switch
        {
            TestSource.Examples => [.. examples],
            TestSource.Generated => generated,
            TestSource.Both => [.. examples, .. generated.Where(g => !examples.Contains(g))],
            _ => generated.Count > 0 ? generated : [.. examples],
        };
    }

    /// <summary>The distinct tests of the test sets in a population, in order of first appearance.</summary>
    internal static List<TestSpec> GeneratedTests(Population population)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tests = new List<TestSpec>();
        foreach (var set in population.OfKind(CandidateKinds.TestSet))
            foreach (var test in TestSets.Parse(set.Content))
                if (seen.Add(TestSets.Key(test))) tests.Add(test);
        return tests;
    }

    internal static ImmutableArray<TestResult> ToResults(IReadOnlyList<TestSpec> tests, TestReport report) =>
        report.Outcomes.Select(o => TestSets.Result(tests[o.Index], o, report)).ToImmutableArray();
}

/// <summary>Which tests <see cref="Execute"/> runs; the workflow file writes these names in snake_case (<c>tests: examples</c>).</summary>
public enum TestSource
{
    /// <summary>The generated test sets when the population has any, else the problem's visible examples.</summary>
    Auto,

    /// <summary>The problem's visible tests (its docstring examples).</summary>
    Examples,

    /// <summary>The distinct tests of the test sets in the population.</summary>
    Generated,

    /// <summary>The visible tests, then the generated tests that are not among them.</summary>
    Both,
}
