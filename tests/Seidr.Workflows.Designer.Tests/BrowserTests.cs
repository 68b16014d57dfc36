using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Seidr.Workflows.Serialization;
using Xunit.Abstractions;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>
/// The real Elsa Studio 3.8.2 bundle in Debian's chromium, driven by Playwright: the page loads, our activities are
/// in the palette, the workflow opens with its nodes and connections, a node added and connected is saved to the
/// YAML file, and a run started from the page finishes with its summary shown.
/// Skips only when chromium or the bundle is absent (.ci/install-designer.sh installs both).
/// </summary>
// Drags in the canvas of a WebAssembly app: on a loaded 2-core machine a palette drop was once seen to land twice (with
// DragToAsync; now one press, moves and one release), so the test waits for the canvas to settle and removes a late
// duplicate. Passed 4 of 4 runs at load 7-15 without needing that or its retry.
[Trait("Category", "Browser")]
public class BrowserTests(ITestOutputHelper output)
{
    /// <summary>Screenshots go to the test output, or to docs/images with SEIDR_UPDATE_SCREENSHOTS=1 (to refresh the README's).</summary>
    private static string Shots { get; } = Environment.GetEnvironmentVariable("SEIDR_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(TestProject.RepoRoot, "docs", "images")
        : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public const string Chromium = "/usr/bin/chromium";

    /// <remarks>
    /// Dragging in the canvas of a WebAssembly app on a loaded 2-core machine sometimes drops a node twice or misses
    /// a port, so the scenario gets one more attempt in a fresh project (as Playwright's own retries would); it fails
    /// when both attempts fail.
    /// </remarks>
    [BrowserFact]
    public async Task Edit_save_and_run_in_the_real_designer()
    {
        try { await ScenarioAsync(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            output.WriteLine($"attempt 1 failed, retrying in a fresh project: {e.Message.Split('\n')[0]}");
            await ScenarioAsync();
        }
    }

    private async Task ScenarioAsync()
    {
        var studio = TestProject.RealStudio()!;

        await using var p = await TestProject.StartAsync(studio: studio);
        var userData = Path.Combine(p.Root, "chromium-profile");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(userData, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
        });
        var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        page.SetDefaultTimeout(60_000); // a shared 2-core CI machine boots the WebAssembly runtime slowly
        var api = new List<string>();
        page.Response += (_, r) => { if (r.Url.Contains("/elsa/api/")) lock (api) api.Add($"{r.Status} {r.Request.Method} {r.Url[(r.Url.IndexOf("/elsa/api", StringComparison.Ordinal) + 9)..]}"); };
        page.Console += (_, m) => { if (m.Type is "error") output.WriteLine("console: " + m.Text); };
        try
        {
            // The page loads and the editor renders the workflow: 4 nodes, 5 connections.
            await page.GotoAsync(p.Host.Url + "?id=quickstart", new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 120_000 });
            await page.Locator("[data-cell-id='submit']").WaitForAsync(new() { Timeout = 300_000 }); // waiting bound on a busy machine, not a speed check
            await page.WaitForTimeoutAsync(1500);
            (await page.Locator(".x6-node").CountAsync()).Should().Be(4);
            (await page.Locator(".x6-edge").CountAsync()).Should().Be(5);
            api.Should().Contain(r => r.StartsWith("200 GET /descriptors/activities"));

            // Our activities are in the palette (found with its search box), grouped by category.
            foreach (var category in new[] { "Evaluation", "Flow", "Selection", "Synthesis" })
                (await page.GetByText(category, new() { Exact = true }).CountAsync()).Should().BeGreaterThan(0, $"the palette has the category {category}");
            var search = page.GetByPlaceholder("Search").First;
            var palette = page.Locator("[draggable='true']");
            foreach (var activity in new[] { "Draft", "Execute", "Submit", "Rank" })
            {
                await search.FillAsync(activity);
                await page.WaitForTimeoutAsync(700);
                var item = palette.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^\\s*{activity}\\s*$") }).First;
                if (!await item.IsVisibleAsync()) await page.Locator(".mud-expand-panel-header").First.ClickAsync(); // its category starts collapsed
                await item.WaitForAsync(new() { Timeout = 10_000 });
            }
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "designer.png") });

            // Add a Rank node by dragging it from the palette onto the canvas...
            var canvas = page.Locator(".x6-graph-svg").First;
            var box = (await canvas.BoundingBoxAsync())!;
            // One press, moves and one release (not DragToAsync, whose actionability retries could repeat a step).
            var rankItem = palette.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^\\s*Rank\\s*$") }).First;
            await rankItem.HoverAsync();
            var itemBox = (await rankItem.BoundingBoxAsync())!;
            await page.Mouse.MoveAsync(itemBox.X + itemBox.Width / 2, itemBox.Y + itemBox.Height / 2);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height * 0.72f, new() { Steps = 10 });
            await page.Mouse.UpAsync();
            await page.WaitForFunctionAsync("() => document.querySelectorAll('.x6-node').length === 5", null, new() { Timeout = 60_000 });
            const string newNodes = "ns => ns.map(n => n.getAttribute('data-cell-id')).filter(id => !['draft','execute','rank','submit'].includes(id))";
            // Under load Studio has been seen to handle one drop twice, the second node seconds later: wait until the
            // node count holds still, keep the first new node and delete the others (again after connecting).
            async Task<string[]> SettledNodesAsync()
            {
                var last = -1;
                for (var held = 0; held < 2;)
                {
                    await page.WaitForTimeoutAsync(2500);
                    var now = await page.Locator(".x6-node").CountAsync();
                    held = now == last ? held + 1 : 0;
                    last = now;
                }
                return await page.EvalOnSelectorAllAsync<string[]>(".x6-node", newNodes);
            }
            async Task DeleteExtrasAsync(string keep)
            {
                foreach (var extra in (await SettledNodesAsync()).Where(id => id != keep))
                {
                    output.WriteLine($"the drop made an extra node; deleting {extra}");
                    await page.Locator($"[data-cell-id='{extra}']").ClickAsync();
                    await page.Keyboard.PressAsync("Delete");
                    await page.Locator($"[data-cell-id='{extra}']").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 15_000 });
                }
            }
            var studioId = (await SettledNodesAsync())[0];
            await DeleteExtrasAsync(studioId);

            // ...and connect execute's Passed port to it. The canvas may still pan after the drop, so measure when it has
            // settled and try again if the edge did not take.
            for (var attempt = 1; ; attempt++)
            {
                await page.WaitForTimeoutAsync(1500);
                var from = (await page.Locator("[data-cell-id='execute'] [port='Passed']").BoundingBoxAsync())!;
                var to = (await page.Locator($"[data-cell-id='{studioId}'] [port='In']").BoundingBoxAsync())!;
                await page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2);
                await page.Mouse.DownAsync();
                await page.Mouse.MoveAsync(to.X + to.Width / 2, to.Y + to.Height / 2, new() { Steps = 15 });
                await page.Mouse.UpAsync();
                try { await page.WaitForFunctionAsync("() => document.querySelectorAll('.x6-edge').length === 6", null, new() { Timeout = 15_000 }); break; }
                catch (TimeoutException) when (attempt < 3) { output.WriteLine($"connection attempt {attempt} did not take; retrying"); }
            }

            await DeleteExtrasAsync(studioId);

            // Autosave writes both to the YAML file, the node under a readable id made from Studio's name for it (Rank2 -> rank2).
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string yaml;
            do { await Task.Delay(500); yaml = File.ReadAllText(p.YamlPath); }
            while (!yaml.Contains("- execute.Passed -> ") && DateTime.UtcNow < deadline);
            var def = WorkflowFile.Load(p.YamlPath).RequireDefinition();
            def.Activities.Select(a => a.Id).Take(4).Should().Equal("draft", "execute", "rank", "submit");
            def.Activities.Should().HaveCount(5);
            var added = def.Activities[^1];
            added.Type.Should().Be("Seidr.Rank");
            added.Id.Should().MatchRegex("^rank[0-9]+$").And.Be(added.Name!.ToLowerInvariant());
            added.Position.Should().NotBeNull();
            yaml.Should().Contain($"- id: {added.Id}\n  type: Seidr.Rank\n  name: {added.Name}\n").And.EndWith($"- execute.Passed -> {added.Id}\n");
            api.Should().Contain(r => r.StartsWith("200 POST /workflow-definitions"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "designer-edited.png") });

            // Run from the page: the run panel shows the status and the summary per variant.
            await page.Locator("button:has(path[d='M8 5v14l11-7z'])").First.ClickAsync();
            await page.Locator("#seidr-run-status.Finished").WaitForAsync(new() { Timeout = 300_000 }); // waiting bound on a busy machine, not a speed check
            var summary = page.Locator("#seidr-run-summary");
            (await summary.InnerTextAsync()).Should().Contain("drafts=1").And.Contain("drafts=2").And.Contain("pass@1");
            api.Should().Contain(r => r.StartsWith("200 POST /workflow-definitions/quickstart/execute"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "designer-run.png") });
            var runId = await page.Locator("#seidr-run-link").InnerTextAsync();
            var run = await p.GetJsonAsync($"designer/api/runs/{runId}");
            run["subStatus"]!.GetValue<string>().Should().Be("Finished");
            run["variants"]!.AsArray().Should().HaveCount(2);
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(p.Root, "..", "seidr-designer-failure.png") });
            output.WriteLine("screenshot: " + Path.GetFullPath(Path.Combine(p.Root, "..", "seidr-designer-failure.png")));
            throw;
        }
        finally
        {
            lock (api) foreach (var r in api) output.WriteLine(r);
        }
    }
}

/// <summary>A fact that is skipped, saying why, when chromium or the Studio bundle is absent; it runs (and must pass) when both are there.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!File.Exists(BrowserTests.Chromium)) Skip = $"chromium is not installed at {BrowserTests.Chromium} (apt-get install -y chromium, or .ci/install-designer.sh)";
        else if (TestProject.RealStudio() is null) Skip = "the Elsa Studio bundle is not installed (scripts/install-studio.sh, or .ci/install-designer.sh)";
    }
}
