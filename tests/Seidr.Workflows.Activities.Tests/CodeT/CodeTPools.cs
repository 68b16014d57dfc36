using System.Collections.Immutable;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Execution.HumanEval;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Tests.CodeT;

/// <summary>Paths of the repository and its data, and a direct (engine-free) computation of CodeT's figures.</summary>
internal static class CodeTPools
{
    public static string Root { get; } = global::Seidr.Workflows.Tests.RepoRoot.Path;
    public static string Data => Path.Combine(Root, "data");
    public static string Workflow => Path.Combine(Root, "workflows", "codet.yaml");

    /// <summary>The repository's prompts and data, for workflows written outside the repository.</summary>
    public static Microsoft.Extensions.Configuration.IConfiguration Configuration { get; } =
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Seidr:Prompts:Directory"] = Path.Combine(Root, "prompts"),
            ["Seidr:Data:Directory"] = Data,
        }).Build();

    public static IReadOnlyList<Problem> Problems() => new DatasetCatalog(Data).Load("humaneval-no-examples", Root);

    /// <summary>Recorded samples by exact prompt text.</summary>
    public static Dictionary<string, List<string>> Pool(string file)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Data, "humaneval", file)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var pool = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            pool[doc.RootElement.GetProperty("prompt").GetString()!] = doc.RootElement.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!).ToList();
        }
        return pool;
    }

    /// <summary>Per problem: the pool's pass@1 (c/n) and CodeT's top-1 pass@1, computed without the workflow engine.</summary>
    public static async Task<IReadOnlyList<(string Id, double Baseline, double CodeT)>> DirectFiguresAsync(SandboxRunner runner, IReadOnlyList<Problem> problems)
    {
        var code = Pool("codegen16B_code_samples.jsonl.gz");
        var tests = Pool("codegen16B_test_samples.jsonl.gz");
        var timeout = TimeSpan.FromMilliseconds(100);
        var figures = new List<(string, double, double)>();
        foreach (var problem in problems)
        {
            var samples = code[problem.Prompt].Select(c => problem.Prompt + CodeTRules.CutSolution(c)).ToList();
            var split = tests[problem.Extra["test_prompt"]].Select(s => CodeTRules.SplitTestCases(s, problem.EntryPoint!)).ToList();
            var probes = split.SelectMany(c => c).Distinct().ToList();
            var ok = (await PythonSyntax.CompilesAsync(runner, probes.Select(CodeTRules.CompileProbe).ToList(), CancellationToken.None))
                .Select((v, i) => (probes[i], v)).ToDictionary(x => x.Item1, x => x.v);
            var cases = split.SelectMany(c => c.Where(t => ok[t]).Take(CodeTRules.TestCaseLimit)).ToList();
            var distinctTests = cases.Distinct().ToList();
            var distinctPrograms = samples.Distinct().ToList();
            var check = problem.Hidden.OfType<CheckTest>().Single();
            var rows = await Task.WhenAll(distinctPrograms.Select(async p =>
            {
                var report = distinctTests.Count == 0 ? null : await runner.RunTestsAsync(new TestRunRequest(ProgramLanguage.Python, p, [.. distinctTests.Select(t => (TestSpec)new AssertTest(t))]) { TestTimeout = timeout });
                var verdict = await runner.CheckAsync(HumanEvalProgram.Build(p, check), timeout);
                return (Passed: report?.Outcomes.Select(o => o.Passed).ToArray() ?? [], Correct: verdict.Passed);
            }));
            var matrix = new DualExecution
            {
                Programs = [.. distinctPrograms],
                ProgramCounts = [.. distinctPrograms.Select(p => samples.Count(s => s == p))],
                Tests = [.. distinctTests],
                TestCounts = [.. distinctTests.Select(t => cases.Count(c => c == t))],
                Passed = [.. rows.Select(r => r.Passed.ToImmutableArray())],
                Outcomes = [.. rows.Select(r => r.Passed.Select(x => x ? "=" : "failed").ToImmutableArray())],
            };
            double Share(IEnumerable<int> programs)
            {
                var list = programs.ToList();
                var n = list.Sum(p => matrix.ProgramCounts[p]);
                return n == 0 ? 0 : (double)list.Where(p => rows[p].Correct).Sum(p => matrix.ProgramCounts[p]) / n;
            }
            figures.Add((problem.Id, Share(Enumerable.Range(0, distinctPrograms.Count)), Share(CodeTAgreement.Rank(matrix).Groups[0].Programs)));
        }
        return figures;
    }
}
