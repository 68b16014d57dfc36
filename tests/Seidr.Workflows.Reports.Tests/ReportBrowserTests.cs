using Microsoft.Playwright;
using Seidr.Workflows.Persistence;
using Xunit.Abstractions;

namespace Seidr.Workflows.Reports.Tests;

/// <summary>
/// The HTML report in Debian's chromium, driven by Playwright: it loads nothing from elsewhere, its four plots
/// render, and a problem's link opens its candidate tree (the link's target is inside the closed
/// <c>&lt;details&gt;</c>, which the browser reveals; opening it loads the problem's part from the sidecar folder).
/// Takes the report screenshot (docs/images/report.png) and prints how long the page and one part took to load.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ReportBrowserTests(StoredRuns runs, ITestOutputHelper output) : IClassFixture<StoredRuns>
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>
    /// The screenshot goes to the test output folder, or to docs/images/report.png with SEIDR_UPDATE_SCREENSHOTS=1.
    /// SEIDR_REPORT_RUNS=DIR[,DIR...] reports the runs of those output folders instead of the test's own runs
    /// (docs/persistence.md: the README's screenshot is the report of workflows/seidr.yaml). SEIDR_REPORT_HTML=FILE opens
    /// a report already written by <c>seidr report</c> (docs/benchmarks.md: the full CodeT run's load time).
    /// </summary>
    [ChromiumFact]
    public async Task The_report_renders_in_chromium_and_a_problem_link_opens_its_candidate_tree()
    {
        var folders = Environment.GetEnvironmentVariable("SEIDR_REPORT_RUNS")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var analyses = new List<RunAnalysis>();
        foreach (var folder in folders)
        {
            var store = await RunStore.OpenExistingAsync(StoreLocation.Sqlite(Path.Combine(folder, "run.db")));
            analyses.AddRange(await Reporter.LoadAsync(store, [.. (await store.ListRunsAsync()).Select(r => r.RunId)]));
        }
        if (analyses.Count == 0) analyses.AddRange(await Reporter.LoadAsync(runs.Store, ["first"]));
        var dir = Directory.CreateTempSubdirectory("seidr-report-browser-").FullName;
        var file = Environment.GetEnvironmentVariable("SEIDR_REPORT_HTML") is { Length: > 0 } given ? Path.GetFullPath(given) : Path.Combine(dir, "report.html");
        if (!File.Exists(file)) await Reporter.WriteHtmlAsync(analyses, file);
        bool own = folders.Length == 0 && file.StartsWith(dir, StringComparison.Ordinal);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 900 } });
        page.SetDefaultTimeout(60_000);
        var elsewhere = new List<string>();
        page.Request += (_, r) => { if (!r.Url.StartsWith("file:", StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal)) lock (elsewhere) elsewhere.Add(r.Url); };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await page.GotoAsync(new Uri(file).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        var loaded = clock.Elapsed;
        output.WriteLine($"page: {new FileInfo(file).Length:N0} bytes, loaded in {loaded.TotalMilliseconds:0} ms");

        // Four plots, decoded and drawn at their size.
        var widths = await page.EvalOnSelectorAllAsync<int[]>("figure img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)");
        widths.Should().Equal(Plots.Width, Plots.Width, Plots.Width, Plots.Width);

        // A problem whose tree has an explanation (P0 of the test's runs, else the first): its link opens its closed
        // body, which loads its trees; they show the candidates with their scores.
        var anchor = own ? "p-P0" : await page.EvaluateAsync<string>("() => document.querySelector('details.problem > div.body').id");
        var link = page.Locator($"table.grid a[href='#{anchor}']");
        var problem = page.Locator($"details.problem:has(> div#{anchor})");
        (await problem.EvaluateAsync<bool>("d => d.open")).Should().BeFalse();
        (await problem.Locator("details.flow").CountAsync()).Should().Be(0, "trees are not in the page until opened");
        clock.Restart();
        await link.ClickAsync();
        await page.WaitForFunctionAsync($"() => document.getElementById('{anchor}').closest('details').dataset.state === 'loaded'");
        output.WriteLine($"candidate trees of {anchor}: loaded in {clock.Elapsed.TotalMilliseconds:0} ms");
        var flow = problem.Locator("details.flow").First;
        await flow.Locator("> summary").ClickAsync();
        var candidate = flow.Locator("details.cand > summary").First;
        (await candidate.IsVisibleAsync()).Should().BeTrue();
        (await candidate.InnerTextAsync()).Should().MatchRegex(@"score \d\.\d\d");
        // Open the first few candidates down the first branch (draft -> explanation -> repair ...), as a reader would.
        var node = flow.Locator("details.cand").First;
        for (int depth = 0; depth < 3 && await node.CountAsync() > 0; depth++)
        {
            await node.Locator("> summary").ClickAsync();
            node = node.Locator("> details.cand").First;
        }
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");

        var shots = Environment.GetEnvironmentVariable("SEIDR_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(global::Seidr.Workflows.Tests.RepoRoot.Path, "docs", "images")
            : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var shot = Path.Combine(shots, "report.png");
        await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        output.WriteLine($"screenshot: {shot}");
        new FileInfo(shot).Length.Should().BeGreaterThan(20_000);
        elsewhere.Should().BeEmpty("the report loads only its own page and sidecar");
        (await page.Locator("p.error").CountAsync()).Should().Be(0);
        Directory.Delete(dir, true);
    }

}

/// <summary>Skipped, saying why, when chromium is not installed (except under CI=true, where it must be: .ci/install-designer.sh installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(ReportBrowserTests.Chromium) && Environment.GetEnvironmentVariable("CI") != "true")
            Skip = $"chromium is not installed at {ReportBrowserTests.Chromium} (apt-get install -y chromium, or .ci/install-designer.sh)";
    }
}
