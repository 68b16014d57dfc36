using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>
/// A workflow used as an activity in the real Elsa Studio 3.8.2 in Debian's chromium: the repair loop is in the palette
/// under Workflows, and seidr-activity.yaml opens with its node, whose ports are the loop's outcomes.
/// </summary>
[Trait("Category", "Browser")]
public class WorkflowActivityBrowserTests(ITestOutputHelper output)
{
    private static string Shots { get; } = Environment.GetEnvironmentVariable("SEIDR_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(TestProject.RepoRoot, "docs", "images")
        : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    [BrowserFact]
    public async Task The_repair_loop_is_in_the_palette_and_its_node_opens_with_its_outcomes()
    {
        await using var p = await TestProject.StartAsync(studio: TestProject.RealStudio(), workflowActivity: true);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(p.Root, "chromium-profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = BrowserTests.Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
        });
        var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        page.Console += (_, m) => { if (m.Type is "error") output.WriteLine("console: " + m.Text); };
        try
        {
            await page.GotoAsync(p.Host.Url + "?id=seidr-activity", new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 120_000 });
            await page.Locator("[data-cell-id='repair_loop']").WaitForAsync(new() { Timeout = 300_000 }); // waiting bound on a busy machine, not a speed check
            await page.WaitForTimeoutAsync(1500);
            (await page.Locator(".x6-node").CountAsync()).Should().Be(3);
            (await page.Locator(".x6-edge").CountAsync()).Should().Be(3);
            foreach (var port in new[] { "Solved", "Exhausted" })
                (await page.Locator($"[data-cell-id='repair_loop'] [port='{port}']").CountAsync()).Should().Be(1, $"the node has the loop's outcome {port} as a port");

            var search = page.GetByPlaceholder("Search").First;
            await search.FillAsync("repair loop");
            await page.WaitForTimeoutAsync(700);
            var item = page.Locator("[draggable='true']").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("SEIDR repair loop") }).First;
            if (!await item.IsVisibleAsync()) await page.GetByText("Workflows", new() { Exact = true }).First.ClickAsync(); // its category starts collapsed
            await item.WaitForAsync(new() { Timeout = 10_000 });
            await page.Locator("[data-cell-id='repair_loop']").ClickAsync();
            await page.WaitForTimeoutAsync(1500);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "designer-workflow-activity.png") });
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(p.Root, "..", "seidr-designer-wfa-failure.png") });
            output.WriteLine("screenshot: " + Path.GetFullPath(Path.Combine(p.Root, "..", "seidr-designer-wfa-failure.png")));
            throw;
        }
    }
}
