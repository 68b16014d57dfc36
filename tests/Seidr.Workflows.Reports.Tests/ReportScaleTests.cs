using System.Collections.Immutable;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Persistence.Tests.Support;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Reports.Tests;

/// <summary>
/// A store shaped like a one-shot ranking run (CodeT's: a fixed pool of programs and test sets per problem, every
/// program executed on every generated test, a ranked group submitted and judged by hidden tests), written through the
/// real store writer: 48 problems x 2 variants x (100 programs + 20 test sets), 100 test results per execution.
/// </summary>
public sealed class PoolStore : IAsyncLifetime
{
    public const int Problems = 48, Programs = 100, TestSets = 20, Tests = 100;
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("seidr-report-scale-").FullName;
    public RunStore Store { get; private set; } = null!;
    public string Directory => _dir;

    public async Task InitializeAsync()
    {
        Store = await RunStore.OpenAsync(StoreLocation.Sqlite(Path.Combine(_dir, "run.db")));
        var problems = TestWorkflow.Problems(Problems);
        var session = await Store.BeginAsync(TestWorkflow.Start("pool", problems));
        var at = DateTimeOffset.UtcNow;
        foreach (var variant in TestWorkflow.Variants)
            foreach (var (problem, pi) in problems.Select((p, i) => (p, i)))
            {
                var flow = new FlowKey(variant.Id, problem.Id);
                var programs = new List<Candidate>();
                for (int t = 0; t < TestSets; t++)
                    session.Writer.OnEvent(new CandidateCreated(flow, new Candidate
                    {
                        Id = $"tests#0.{t}", Kind = "test-set", Stage = "tests", Model = "codegen",
                        Content = string.Join('\n', Enumerable.Range(0, 5).Select(k => $"assert candidate({t}, {k}) == {t * k} # {problem.Id}")),
                    })
                    { Timestamp = at });
                for (int i = 0; i < Programs; i++)
                {
                    // Each program passes a share of the tests that depends on it; the first ten pass all of them.
                    int passing = i < 10 ? Tests : (i * 37 + pi) % Tests;
                    var results = Enumerable.Range(0, Tests).Select(k => k < passing
                        ? new TestResult($"assert candidate({k / 5}, {k % 5}) == {k}", TestStatus.Passed)
                        : new TestResult($"assert candidate({k / 5}, {k % 5}) == {k}", TestStatus.Failed) { Expected = k.ToString(), Actual = (k + i).ToString() }).ToImmutableArray();
                    var program = new Candidate
                    {
                        Id = $"draft#0.{i}", Kind = CandidateKinds.Program, Stage = "draft", Model = "codegen", Prompt = "humaneval/complete",
                        Content = $"def candidate(a, b):\n    # program {i} of {problem.Id}\n" + string.Concat(Enumerable.Range(0, 8).Select(l => $"    x{l} = a * {l} + b - {i % 7}\n")) + "    return a * b\n",
                    };
                    session.Writer.OnEvent(new CandidateCreated(flow, program) { Timestamp = at });
                    var scored = program with { Score = passing / (double)Tests, Results = results };
                    session.Writer.OnEvent(new CandidateScored(flow, scored) { Timestamp = at.AddSeconds(1) });
                    programs.Add(scored);
                }
                session.Writer.OnEvent(new ModelCallRecorded(flow, "draft", new ModelUsage("codegen", 1, 2_000, 8_000, 0, TimeSpan.Zero, false) { Samples = Programs }) { Timestamp = at });
                session.Writer.OnEvent(new ModelCallRecorded(flow, "tests", new ModelUsage("codegen", 1, 2_000, 3_000, 0, TimeSpan.Zero, false) { Samples = TestSets }) { Timestamp = at });
                // The ranking submits a group: the whole pool (drafts=1) or a top group of 1 to 12 programs (drafts=2).
                int group = variant.Id == "drafts=1" ? Programs : 1 + pi % 12;
                var submitted = programs.OrderByDescending(p => p.Score).Take(group).ToImmutableArray();
                session.Writer.OnEvent(new FlowCompleted(new FlowResult
                {
                    Key = flow, Status = FlowStatus.Completed, Submission = submitted, Programs = Programs, Calls = 2, InputTokens = 4_000, OutputTokens = 11_000,
                    Samples = Programs + TestSets,
                    Hidden = [.. submitted.Select((p, i) => new HiddenVerdict(p.Id, (i + pi) % 3 != 0 && pi % 4 != 3, "ok"))],
                })
                { Timestamp = at.AddSeconds(2) });
            }
        await session.EndAsync(RunStatus.Completed);
    }

    public Task DisposeAsync()
    {
        try { System.IO.Directory.Delete(_dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

public sealed class ReportScaleTests(PoolStore pool) : IClassFixture<PoolStore>
{
    [Fact]
    public async Task The_page_of_a_pool_run_stays_small_and_its_trees_load_from_the_compressed_sidecar()
    {
        var runs = await Reporter.LoadAsync(pool.Store, ["pool"]);
        var file = Path.Combine(pool.Directory, "out", "report.html");
        await Reporter.WriteHtmlAsync(runs, file);

        var page = await File.ReadAllTextAsync(file);
        var sidecar = Reporter.SidecarOf(file);
        var parts = System.IO.Directory.GetFiles(sidecar, "*.js");
        parts.Should().HaveCount(PoolStore.Problems);
        long sidecarBytes = parts.Sum(p => new FileInfo(p).Length);
        // 9,600 programs with 960,000 test results: the page holds none of them, only metrics, plots and one line per problem.
        Encoding.UTF8.GetByteCount(page).Should().BeLessThan(400_000);
        page.Should().NotContain("def candidate").And.NotContain("draft#0.5");
        page.Should().Contain("data-trees=\"report.data/\"").And.Contain("<details class=\"problem\" data-part=\"47\">");

        // Part i is problem i's trees, gzip-compressed: the same HTML the served page would fetch.
        var problems = HtmlReport.Problems(runs);
        foreach (var i in new[] { 0, 17, PoolStore.Problems - 1 })
        {
            var script = await File.ReadAllTextAsync(Path.Combine(sidecar, $"{i}.js"));
            var m = Regex.Match(script, "^seidrReport\\.part\\(" + i + ",\"([A-Za-z0-9+/=]+)\"\\);\\n$");
            m.Success.Should().BeTrue("part {0} is one call handing over base64", i);
            using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(m.Groups[1].Value)), CompressionMode.Decompress);
            var html = await new StreamReader(gzip, Encoding.UTF8).ReadToEndAsync();
            html.Should().Be(await Reporter.RenderPartAsync(runs, i));
            html.Should().Contain($"# program 99 of {problems[i]}").And.Contain("<code>tests#0.19</code>");
            Regex.Matches(html, "<details class=\"flow\">").Should().HaveCount(2);
            html.Should().Contain("<b>failed tests</b>").And.Contain("(100/100 tests)");
        }
        // Compressed, the trees take a fraction of their HTML.
        var all = await Reporter.RenderPartAsync(runs, 0);
        new FileInfo(Path.Combine(sidecar, "0.js")).Length.Should().BeLessThan(Encoding.UTF8.GetByteCount(all) / 4);
        sidecarBytes.Should().BeGreaterThan(Encoding.UTF8.GetByteCount(page));
        var outside = () => Reporter.RenderPartAsync(runs, PoolStore.Problems);
        await outside.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*problems 0-47*");
    }

    [Fact]
    public async Task A_one_shot_ranking_run_plots_pass_at_k_and_the_submitted_groups()
    {
        var runs = await Reporter.LoadAsync(pool.Store, ["pool"]);
        RunAnalysis.IsOneShot(runs[0].Variants).Should().BeTrue();
        var page = HtmlReport.Render(runs);
        page.Should().Contain("alt=\"pass@k against k\"").And.Contain("alt=\"submitted group per problem\"");
        page.Should().NotContain("solved share vs programs generated");
        Regex.Matches(page, "src=\"data:image/png;base64,").Should().HaveCount(4);

        // pass@1 from the curve equals the engine's metric; the whole-pool variant's curve rises to the share of
        // problems where any submitted program passes.
        var whole = runs[0].Variants.Single(v => v.Variant.Id == "drafts=1");
        var (ks, ys) = RunAnalysis.PassAtKCurve(whole);
        ks.Should().HaveCount(PoolStore.Programs);
        ys[0].Should().BeApproximately(whole.Metrics["pass@1"], 1e-9);
        ys.Should().BeInAscendingOrder();
        ys[^1].Should().BeApproximately(whole.Flows.Count(f => f.SubmittedPassing > 0) / (double)PoolStore.Problems, 1e-9);
        var top = runs[0].Variants.Single(v => v.Variant.Id == "drafts=2");
        top.Flows.Select(f => f.Submitted).Should().Equal(Enumerable.Range(0, PoolStore.Problems).Select(pi => 1 + pi % 12));
        RunAnalysis.PassAtKCurve(top).K.Should().HaveCount(12);
        // Slim flows keep what metrics need but no program text.
        whole.Flows.Should().OnlyContain(f => f.Result.Submission.All(c => c.Content.Length == 0));
        var solved = whole.Flows.First(f => f.Solved);
        page.Should().Contain($"<td class=\"ok\">solved ({solved.SubmittedPassing}/100 submitted pass)</td>");
    }
}
