using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>
/// The runs page in Debian's chromium: a run started from the page is followed while it runs until it ends, its HTML
/// report opens, a run started by the CLI into the same store is listed and followed too, and the two are compared.
/// </summary>
[Trait("Category", "Browser")]
public class LiveRunsBrowserTests(ITestOutputHelper output)
{
    private static string Shots { get; } = Environment.GetEnvironmentVariable("SEIDR_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(TestProject.RepoRoot, "docs", "images")
        : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    [BrowserFact]
    public async Task A_run_is_followed_to_its_end_reported_and_compared_with_a_cli_run()
    {
        await using var p = await TestProject.StartAsync(o => o with
        {
            RunsDirectory = null,
            Store = Path.Combine(Path.GetDirectoryName(o.WorkflowsDirectory)!, "store.db"),
            ProgressInterval = TimeSpan.FromMilliseconds(300),
        });
        var slow = LiveRuns.AddSlowWorkflow(p);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserTests.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        try
        {
            // From the designer's page to the runs page, and a run of the slowed workflow started there.
            await page.GotoAsync(new Uri(p.Host.Url, "runs").ToString());
            await page.Locator("#start-workflow option[value='slow']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await page.SelectOptionAsync("#start-workflow", "slow");
            await page.ClickAsync("#start-button");

            // Followed while it runs: the status says running, and a variant's flow count moves before the end.
            await page.Locator("#run-status.running").WaitForAsync();
            var pageRun = (await page.Locator("#run-id").TextContentAsync() ?? "").Trim();
            var seen = new HashSet<string>();
            var deadline = DateTime.UtcNow.AddMinutes(5); // a bound on waiting on a busy machine, not a speed check
            while (await page.Locator("#run-status").InnerTextAsync() == "running")
            {
                if (await page.Locator("#progress tr[data-variant='drafts=1'] td.flows").CountAsync() > 0)
                    seen.Add(await page.Locator("#progress tr[data-variant='drafts=1'] td.flows").InnerTextAsync());
                DateTime.UtcNow.Should().BeBefore(deadline);
                await Task.Delay(100);
            }
            (await page.Locator("#run-status").InnerTextAsync()).Should().Be("completed");
            seen.Should().Contain(s => s != "5/5", "progress was shown before the run ended: " + string.Join(", ", seen));
            (await page.Locator("#progress tr[data-variant='drafts=2'] td.flows").InnerTextAsync()).Should().Be("5/5");
            (await page.Locator("#progress tr[data-variant='drafts=2'] td.share").InnerTextAsync()).Should().Be("80.0%");
            (await page.Locator("#run-flows").InnerTextAsync()).Should().Be("10/10 flows");

            // Its HTML report opens in a new tab.
            var reportTab = await context.RunAndWaitForPageAsync(() => page.ClickAsync("#report-link"));
            await reportTab.WaitForLoadStateAsync();
            (await reportTab.ContentAsync()).Should().Contain(pageRun).And.Contain("drafts=2");
            await reportTab.ScreenshotAsync(new() { Path = Path.Combine(Shots, "designer-report.png") });
            await reportTab.CloseAsync();

            // A run started by the CLI into the same store appears in the list and is followed to its end.
            await using var cli = LiveRuns.StartCli(p, "run", slow, "--store", Path.Combine(p.Root, "store.db"), "--problems", "0-2", "--quiet");
            var cliRow = page.Locator("#runs tbody tr").Filter(new() { HasNot = page.Locator($"a:text-is('{pageRun}')") }).First;
            await cliRow.Locator("a.open").WaitForAsync(new() { Timeout = 120_000 });
            var cliRun = (await cliRow.Locator("a.open").TextContentAsync() ?? "").Trim();
            await cliRow.Locator("a.open").ClickAsync();
            // The page shows the clicked run once its progress has been fetched.
            for (var until = DateTime.UtcNow.AddMinutes(1); (await page.Locator("#run-id").TextContentAsync() ?? "").Trim() != cliRun; await Task.Delay(100))
                DateTime.UtcNow.Should().BeBefore(until, "the page should show run " + cliRun);
            await page.Locator("#run-status.completed").WaitForAsync(new() { Timeout = 300_000 });
            await cli.WaitAsync();
            (await page.Locator("#run-flows").InnerTextAsync()).Should().Be("6/6 flows");

            // Compared side by side.
            await page.Locator($"#runs input.pick[value='{pageRun}']").CheckAsync();
            await page.Locator($"#runs input.pick[value='{cliRun}']").CheckAsync();
            await page.ClickAsync("#compare-button");
            await page.Locator("#compare-problems tbody tr").Nth(4).WaitForAsync();
            (await page.Locator("#compare-counts").InnerTextAsync()).Should().Contain("only-a: 2").And.Contain("both: 2");
            (await page.Locator("#compare-variants tbody tr").CountAsync()).Should().Be(4);
            (await page.Locator("#compare-variants thead").InnerTextAsync()).Should().Contain("solved_share").And.Contain("pass@1").And.Contain("tokens");

            // The list and the run panel side by side at common laptop widths, the panel below on a narrow window; never overlapping.
            await AssertLayoutAsync(page, 1280, sideBySide: true);
            await AssertLayoutAsync(page, 900, sideBySide: false);
            await AssertLayoutAsync(page, 1500, sideBySide: true);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "designer-runs.png") });
        }
        catch
        {
            var shot = Path.Combine(Path.GetTempPath(), "seidr-runs-failure.png");
            await page.ScreenshotAsync(new() { Path = shot });
            output.WriteLine("screenshot: " + shot);
            throw;
        }
    }

    /// <summary>
    /// At <paramref name="width"/> px: the runs list's last column header is whole (not cut off by the list's column) and
    /// left of the run panel, or the panel is below the list; the page itself never scrolls sideways.
    /// </summary>
    private static async Task AssertLayoutAsync(IPage page, int width, bool sideBySide)
    {
        await page.SetViewportSizeAsync(width, 900);
        var lastHeader = (await page.Locator("#runs thead th").Last.BoundingBoxAsync())!;
        var list = (await page.Locator("#runs").Locator("xpath=..").BoundingBoxAsync())!;
        var table = (await page.Locator("#runs").BoundingBoxAsync())!;
        var panel = (await page.Locator("#run").BoundingBoxAsync())!;
        var compare = (await page.Locator("#compare").BoundingBoxAsync())!;
        var at = $"at {width} px: last header [{lastHeader.X}, {lastHeader.X + lastHeader.Width}], list column [{list.X}, {list.X + list.Width}], panel at ({panel.X}, {panel.Y})";
        (lastHeader.X + lastHeader.Width).Should().BeLessThanOrEqualTo(list.X + list.Width + 0.5f, "the list's last column is shown whole " + at);
        if (sideBySide)
        {
            (lastHeader.X + lastHeader.Width).Should().BeLessThanOrEqualTo(panel.X, "the list ends left of the run panel " + at);
            (list.X + list.Width).Should().BeLessThanOrEqualTo(compare.X, "the comparison is beside the list " + at);
        }
        else
        {
            panel.Y.Should().BeGreaterThanOrEqualTo(table.Y + table.Height, "the run panel is below the list " + at);
        }
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth")).Should().BeLessThanOrEqualTo(0, "the page does not scroll sideways " + at);
    }
}
