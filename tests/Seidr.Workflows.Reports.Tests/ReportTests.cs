using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;
using Seidr.Workflows.Persistence.Tests.Support;

namespace Seidr.Workflows.Reports.Tests;

/// <summary>Two real runs of the test workflow (instant activities, SEIDR-shaped: draft, score, explain + repair) in a SQLite store.</summary>
public sealed class StoredRuns : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-report-").FullName;
    public RunStore Store { get; private set; } = null!;
    public RunResult First { get; private set; } = null!;
    public RunResult Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = await RunStore.OpenAsync(StoreLocation.Sqlite(Path.Combine(_dir, "run.db")));
        First = await RunAsync("first", TestWorkflow.Problems(9));
        Second = await RunAsync("second", TestWorkflow.Problems(6));
    }

    private async Task<RunResult> RunAsync(string id, IReadOnlyList<Problems.Problem> problems)
    {
        var session = await Store.BeginAsync(TestWorkflow.Start(id, problems));
        var result = await new WorkflowEngine().RunAsync(TestWorkflow.Definition, new RunOptions
        {
            Catalog = TestWorkflow.Catalog, Problems = problems, RunId = id, Observers = [session.Writer],
        });
        await session.EndAsync(result.Status);
        return result;
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

public sealed class ReportTests(StoredRuns runs) : IClassFixture<StoredRuns>
{
    private async Task<IReadOnlyList<RunAnalysis>> LoadAsync(params string[] ids) => await Reporter.LoadAsync(runs.Store, ids);

    [Fact]
    public async Task The_html_report_is_self_contained_with_four_embedded_png_plots()
    {
        var html = HtmlReport.Render(await LoadAsync("first"));
        Regex.Matches(html, "(?:src|href)=\"(?:https?:|//)").Should().BeEmpty("nothing may be loaded from elsewhere");
        html.Should().NotContain("<script src").And.NotContain("<link ");
        var images = Regex.Matches(html, "src=\"data:image/png;base64,([^\"]+)\"").Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();
        images.Should().HaveCount(4);
        foreach (var png in images)
        {
            png.Take(8).Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            var width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
            width.Should().Be(Plots.Width);
        }
        html.Should().Contain("alt=\"solved share vs programs generated\"");
        html.Should().Contain("matrix heatmap").And.Contain("per-stage cost").And.Contain("solved share vs tokens spent");
    }

    [Fact]
    public async Task The_metrics_table_shows_the_engines_metrics_per_variant()
    {
        var html = HtmlReport.Render(await LoadAsync("first"));
        foreach (var v in runs.First.Variants)
        {
            html.Should().Contain($"<th>{v.Variant.Id}</th>");
            var row = Regex.Match(html, "<tr><td>solved</td>(.*?)</tr>").Groups[1].Value;
            row.Should().Contain(HtmlReport.Format("solved", v.Metrics["solved"]));
            var programs = Regex.Match(html, "<tr><td>programs</td>(.*?)</tr>").Groups[1].Value;
            programs.Should().Contain(HtmlReport.Format("programs", v.Metrics["programs"]));
        }
    }

    [Fact]
    public async Task A_problems_candidate_tree_nests_draft_then_explanation_then_repair_with_scores_and_failed_tests()
    {
        var analyses = await LoadAsync("first");
        var html = HtmlReport.Render(analyses);
        // The page links the problem to its closed, empty body; its trees are part 0, rendered on demand.
        html.Should().Contain("<details class=\"problem\" data-part=\"0\"><summary><b>P0</b>").And.Contain("<div class=\"body\" id=\"p-P0\"><p class=\"none\">loading…</p></div>");
        html.Should().NotContain("<code>draft#0.0</code>");
        HtmlReport.Problems(analyses)[0].Should().Be("P0");
        // P0 fails its first draft (returns 2), is explained, and repaired (returns 3): the tree nests them in that order.
        var p0 = await Reporter.RenderPartAsync(analyses, 0);
        p0.Should().StartWith("<details class=\"prompt\"><summary>prompt</summary><pre>problem 0</pre>");
        var draft = p0.IndexOf("<code>draft#0.0</code> score 0.50 (1/2 tests)", StringComparison.Ordinal);
        var explanation = p0.IndexOf("<span class=\"kind\">explanation</span> <code>repair#0.edraft_0.0</code>", StringComparison.Ordinal);
        var repair = p0.IndexOf("<code>repair#0.rdraft_0.0</code> score 1.00 (2/2 tests)", StringComparison.Ordinal);
        draft.Should().BeGreaterThan(0);
        explanation.Should().BeGreaterThan(draft);
        repair.Should().BeGreaterThan(explanation);
        p0.Should().Contain("<b>failed tests</b>").And.Contain("expected <code>0</code> · actual <code>2</code>");
        p0.Should().Contain("<span class=\"sub\">submitted</span>");
        html.Should().Contain("<a href=\"#p-P0\">P0</a>");
    }

    [Fact]
    public async Task Several_runs_are_compared_side_by_side()
    {
        var analyses = await LoadAsync("first", "second");
        var html = HtmlReport.Render(analyses);
        html.Should().Contain("<th>first: drafts=1</th><th>first: drafts=2</th><th>second: drafts=1</th><th>second: drafts=2</th>");
        html.Should().Contain("Seidr runs first vs second");
        var problemsRow = Regex.Match(html, "<tr><td>problems</td>(.*?)</tr>").Groups[1].Value;
        Regex.Matches(problemsRow, "<td[^>]*>(\\d+)</td>").Select(m => m.Groups[1].Value).Should().Equal("9", "9", "6", "6");
        var (rows, cols, _) = Plots.MatrixGrid(analyses.SelectMany(a => a.Variants).ToList(), "solved_share");
        rows.Should().Equal("drafts=1", "drafts=2");
        cols.Should().Equal("first", "second");
    }

    [Fact]
    public async Task The_csv_has_one_row_per_flow_with_axes_as_columns()
    {
        var csv = Exports.Csv(await LoadAsync("first", "second")).TrimEnd('\n').Split('\n');
        csv[0].Should().StartWith("run,variant,axis_drafts,problem,status,solved,");
        csv.Should().HaveCount(1 + 2 * 9 + 2 * 6);
        var header = csv[0].Split(',');
        var flows = runs.First.Variants.SelectMany(v => v.Flows).ToList();
        foreach (var line in csv.Skip(1).Where(l => l.StartsWith("first,", StringComparison.Ordinal)))
        {
            var cells = line.Split(',');
            var f = flows.Single(x => x.Key.VariantId == cells[1] && x.Key.ProblemId == cells[3]);
            cells[2].Should().Be(f.Key.VariantId.Split('=')[1]);
            int.Parse(cells[Array.IndexOf(header, "programs")], CultureInfo.InvariantCulture).Should().Be(f.Programs);
            long.Parse(cells[Array.IndexOf(header, "output_tokens")], CultureInfo.InvariantCulture).Should().Be(f.OutputTokens);
            cells[Array.IndexOf(header, "solved_by_generated_tests")].Should().Be(f.SolvedByGeneratedTests ? "true" : "false");
        }
    }

    [Fact]
    public async Task The_jsonl_has_variant_metrics_flows_and_every_candidate()
    {
        var analyses = await LoadAsync("first");
        var writer = new StringWriter();
        await Exports.JsonlAsync(analyses, writer);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var variants = lines.Where(l => (string?)l["type"] == "variant").ToList();
        variants.Should().HaveCount(2);
        foreach (var v in runs.First.Variants)
        {
            var m = variants.Single(x => (string?)x["variant"] == v.Variant.Id)["metrics"]!.AsObject();
            foreach (var (key, value) in v.Metrics) m[key]!.GetValue<double>().Should().Be(value, key);
        }
        lines.Count(l => (string?)l["type"] == "flow").Should().Be(18);
        lines.Count(l => (string?)l["type"] == "candidate").Should().Be((await runs.Store.LoadRunAsync("first")).Candidates.Length);
        lines.Where(l => (string?)l["type"] == "candidate" && (string?)l["kind"] == "explanation").Should().OnlyContain(l => l["parent"] != null);
    }

    [Fact]
    public async Task The_solve_curve_rises_to_the_solved_share_and_counts_programs_up_to_the_submitted_one()
    {
        var v = (await LoadAsync("first"))[0].Variants.Single(x => x.Variant.Id == "drafts=1");
        var (xs, ys) = RunAnalysis.SolvedByPrograms(v);
        ys.Should().BeInAscendingOrder();
        ys[^1].Should().BeApproximately(v.Metrics["solved_share"], 1e-9);
        xs[0].Should().Be(0);
        ys[0].Should().Be(0);
        // P0: draft returns 2 (fails), repair returns 3 (passes): solved at the second program.
        v.Flows.Single(f => f.Result.Key.ProblemId == "P0").ProgramsAtSolve.Should().Be(2);
        // P1x: the first draft returns 3 and passes.
        v.Flows.Single(f => f.Result.Key.ProblemId == "P1x").ProgramsAtSolve.Should().Be(1);
        var (tx, ty) = RunAnalysis.SolvedByTokens(v);
        ty[^1].Should().BeApproximately(v.Metrics["solved_share"], 1e-9);
        tx.Should().BeInAscendingOrder();
    }

    [Fact]
    public void A_report_needs_at_least_one_run()
    {
        var act = () => HtmlReport.Render([]);
        act.Should().Throw<ArgumentException>().WithMessage("*no runs*");
    }

    [Fact]
    public async Task Reports_are_written_atomically_to_the_given_files()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-report-out-").FullName;
        var analyses = await LoadAsync("first");
        await Reporter.WriteHtmlAsync(analyses, Path.Combine(dir, "sub", "r.html"));
        await Reporter.WriteCsvAsync(analyses, Path.Combine(dir, "r.csv"));
        await Reporter.WriteJsonlAsync(analyses, Path.Combine(dir, "r.jsonl"));
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Should().BeEquivalentTo(
            [Path.Combine("sub", "r.html"), "r.csv", "r.jsonl", .. Enumerable.Range(0, 9).Select(i => Path.Combine("sub", "r.data", $"{i}.js"))]);
        // Written again, the sidecar is replaced whole (no part of an older report stays).
        await Reporter.WriteHtmlAsync([analyses[0]], Path.Combine(dir, "sub", "r.html"));
        Directory.GetFiles(Path.Combine(dir, "sub", "r.data")).Should().HaveCount(9);
        Directory.Delete(dir, true);
    }
}
