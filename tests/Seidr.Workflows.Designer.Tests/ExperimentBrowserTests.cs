using Microsoft.Playwright;
using Seidr.Workflows.Serialization;
using Xunit.Abstractions;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>
/// The experiment block in the real Elsa Studio 3.8.2 in Debian's chromium: on the workflow's Variables tab a budget is
/// edited and a matrix value added through Studio's own variable dialog; autosave writes both into the YAML file's
/// <c>experiment:</c> block, changing only those two lines; a negative budget is refused with the validator's message
/// in Studio's snackbar and the file keeps its value.
/// </summary>
[Trait("Category", "Browser")]
public class ExperimentBrowserTests(ITestOutputHelper output)
{
    private static string Shots { get; } = Environment.GetEnvironmentVariable("SEIDR_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(TestProject.RepoRoot, "docs", "images")
        : Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    [BrowserFact]
    public async Task A_budget_edited_and_a_matrix_value_added_on_the_Variables_tab_are_saved_to_the_file()
    {
        await using var p = await TestProject.StartAsync(studio: TestProject.RealStudio());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(p.Root, "chromium-profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = BrowserTests.Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
        });
        var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        page.SetDefaultTimeout(60_000); // a shared 2-core CI machine boots the WebAssembly runtime slowly
        var api = new List<string>();
        page.Response += (_, r) => { if (r.Url.Contains("/elsa/api/")) lock (api) api.Add($"{r.Status} {r.Request.Method} {r.Url[(r.Url.IndexOf("/elsa/api", StringComparison.Ordinal) + 9)..]}"); };
        page.Console += (_, m) => { if (m.Type is "error") output.WriteLine("console: " + m.Text); };
        var before = File.ReadAllText(p.YamlPath);
        try
        {
            await page.GotoAsync(p.Host.Url + "?id=quickstart", new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 120_000 });
            await page.Locator("[data-cell-id='submit']").WaitForAsync(new() { Timeout = 300_000 }); // waiting bound on a busy machine, not a speed check
            await page.WaitForTimeoutAsync(1500);

            // The workflow's own panel (nothing selected) has Studio's Variables tab: the experiment, one setting per row.
            // Widen the panel by its splitter, so the names show.
            var tab = (await page.GetByRole(AriaRole.Tab, new() { Name = "Variables" }).BoundingBoxAsync())!;
            var bars = page.Locator(".rz-splitter-bar");
            LocatorBoundingBoxResult? bar = null;
            for (var i = 0; i < await bars.CountAsync(); i++)
                if (await bars.Nth(i).BoundingBoxAsync() is { } b && b.X < tab.X && b.Height > b.Width && (bar is null || b.X > bar.X)) bar = b;
            if (bar is not null)
            {
                await page.Mouse.MoveAsync(bar.X + bar.Width / 2, bar.Y + bar.Height / 2);
                await page.Mouse.DownAsync();
                await page.Mouse.MoveAsync(bar.X - 300, bar.Y + bar.Height / 2, new() { Steps = 10 });
                await page.Mouse.UpAsync();
            }
            else output.WriteLine("no splitter bar found; the panel keeps its width");
            await page.GetByRole(AriaRole.Tab, new() { Name = "Variables" }).ClickAsync();
            var rows = page.Locator("table tbody tr");
            await rows.Filter(new() { HasText = "budget.max_programs" }).WaitForAsync();
            foreach (var name in new[] { "dataset", "problems", "seed", "budget.max_programs", "matrix.drafts", "models.coder", "run_budget.cost" })
                (await rows.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^\\s*{System.Text.RegularExpressions.Regex.Escape(name)}\\s") }).CountAsync()).Should().Be(1, $"the Variables tab lists {name}");

            // Edit a budget: the row's menu, Edit, Studio's dialog with the value in "Default value", Ok.
            await EditAsync(page, "budget.max_programs", "6", "8", Path.Combine(Shots, "designer-experiment.png"));
            var yaml = await WaitForFileAsync(p.YamlPath, t => t.Contains("    max_programs: 8\n"));
            TextDiff.ChangedLines(before, yaml).Should().Equal([("    max_programs: 6", "    max_programs: 8")]);

            // Add a matrix value.
            await EditAsync(page, "matrix.drafts", "[\"1\", \"2\"]", "[\"1\", \"2\", \"3\"]", null);
            yaml = await WaitForFileAsync(p.YamlPath, t => t.Contains("    drafts: [\"1\", \"2\", \"3\"]\n"));
            TextDiff.ChangedLines(before, yaml).Should().Equal([("    drafts: [\"1\", \"2\"]", "    drafts: [\"1\", \"2\", \"3\"]"), ("    max_programs: 6", "    max_programs: 8")]);
            WorkflowFile.Load(p.YamlPath).RequireDefinition().Experiment.Matrix.Axes.Single().Values.Should().Equal("1", "2", "3");

            // A negative budget is refused: Studio shows the validator's located message, and the file keeps 8.
            await EditAsync(page, "budget.max_programs", "8", "-5", null);
            var snackbar = page.Locator(".mud-snackbar").Filter(new() { HasText = "is not a whole number >= 1" }).First;
            await snackbar.WaitForAsync(new() { Timeout = 30_000 });
            (await snackbar.InnerTextAsync()).Should().Contain("quickstart.yaml:17:").And.Contain("variable budget.max_programs: '-5'");
            await page.ScreenshotAsync(new() { Path = Path.Combine(Shots, "designer-experiment-refused.png") });
            await page.WaitForTimeoutAsync(1500);
            File.ReadAllText(p.YamlPath).Should().Be(yaml);
            api.Should().Contain(r => r.StartsWith("400 POST /workflow-definitions"));
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(p.Root, "..", "seidr-designer-experiment-failure.png") });
            output.WriteLine("screenshot: " + Path.GetFullPath(Path.Combine(p.Root, "..", "seidr-designer-experiment-failure.png")));
            throw;
        }
        finally
        {
            lock (api) foreach (var r in api) output.WriteLine(r);
        }
    }

    /// <summary>Opens a variable in Studio's dialog, checks its value, types the new one and presses Ok.</summary>
    private static async Task EditAsync(IPage page, string name, string expected, string value, string? screenshot)
    {
        var row = page.Locator("table tbody tr").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^\\s*{System.Text.RegularExpressions.Regex.Escape(name)}\\s") }).First;
        await row.Locator("button").Last.ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("Edit", new() { Exact = true }).ClickAsync();
        var dialog = page.Locator(".mud-dialog").Filter(new() { HasText = "Edit variable" });
        var field = dialog.GetByLabel("Default value");
        await field.WaitForAsync();
        // The dialog fills its fields after it has loaded the variable types and storage drivers: wait for the value.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await field.InputValueAsync() != expected && DateTime.UtcNow < deadline) await page.WaitForTimeoutAsync(200);
        (await field.InputValueAsync()).Should().Be(expected);
        await field.FillAsync(value);
        if (screenshot is not null) await page.ScreenshotAsync(new() { Path = screenshot });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Ok" }).ClickAsync();
        await dialog.WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    private static async Task<string> WaitForFileAsync(string path, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60); // autosave runs 500 ms after an edit; the bound is for a busy machine
        string text;
        do { await Task.Delay(300); text = File.ReadAllText(path); }
        while (!done(text) && DateTime.UtcNow < deadline);
        done(text).Should().BeTrue("autosave writes the edit to the file:\n" + text);
        return text;
    }
}
