using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Seidr.Workflows.Datasets.Loading;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>
/// A throwaway project made of the repository's quickstart workflow (YAML, plus the same workflow spelled as Elsa JSON),
/// its scripted model answers and prompts, with the repository's data folder; and a designer host over it.
/// </summary>
public sealed class TestProject : IAsyncDisposable
{
    public static string RepoRoot { get; } = global::Seidr.Workflows.Tests.RepoRoot.Path;
    public string Root { get; }
    public string Workflows => Path.Combine(Root, "workflows");
    public string YamlPath => Path.Combine(Workflows, "quickstart.yaml");
    public string JsonPath => Path.Combine(Workflows, "quickstart-json.json");
    public DesignerHost Host { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    private TestProject()
    {
        Root = Path.Combine(Path.GetTempPath(), "seidr-designer-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(Workflows, "models"));
        CopyDirectory(Path.Combine(RepoRoot, "prompts"), Path.Combine(Root, "prompts"));
        File.Copy(Path.Combine(RepoRoot, "workflows", "quickstart.yaml"), YamlPath);
        File.Copy(Path.Combine(RepoRoot, "workflows", "models", "quickstart.scripted.yaml"), Path.Combine(Workflows, "models", "quickstart.scripted.yaml"));
        // The same workflow spelled as Elsa JSON, under its own id, written by the canonical writer as `seidr convert` does.
        var def = Serialization.WorkflowFile.Load(YamlPath).RequireDefinition() with { DefinitionId = "quickstart-json", Name = "Quickstart (JSON)" };
        Serialization.WorkflowFile.Save(def, JsonPath, Runtime.ExperimentRunner.Catalog);
        File.WriteAllText(Path.Combine(Workflows, "notes.json"), "{\"not\": \"a workflow\"}");
        var data = DatasetCatalog.ResolveDataDirectory(RepoRoot);
        File.WriteAllText(Path.Combine(Root, "appsettings.json"), new JsonObject { ["Seidr"] = new JsonObject { ["Data"] = new JsonObject { ["Directory"] = data } } }.ToJsonString());
    }

    /// <summary>Adds workflows/seidr-activity.yaml and the workflow it uses as an activity (activities/repair-loop.yaml), with their scripted model.</summary>
    public void AddWorkflowActivityExample()
    {
        Directory.CreateDirectory(Path.Combine(Workflows, "activities"));
        File.Copy(Path.Combine(RepoRoot, "workflows", "seidr-activity.yaml"), Path.Combine(Workflows, "seidr-activity.yaml"));
        File.Copy(Path.Combine(RepoRoot, "workflows", "activities", "repair-loop.yaml"), Path.Combine(Workflows, "activities", "repair-loop.yaml"));
        File.Copy(Path.Combine(RepoRoot, "workflows", "models", "seidr.scripted.yaml"), Path.Combine(Workflows, "models", "seidr.scripted.yaml"));
    }

    public static async Task<TestProject> StartAsync(Func<DesignerOptions, DesignerOptions>? configure = null, string? studio = null, bool workflowActivity = false)
    {
        var project = new TestProject();
        if (workflowActivity) project.AddWorkflowActivityExample();
        var options = new DesignerOptions { WorkflowsDirectory = project.Workflows, Port = 0, StudioDirectory = studio ?? project.FakeStudio() };
        project.Host = await DesignerHost.StartAsync(configure?.Invoke(options) ?? options);
        project.Http = new HttpClient { BaseAddress = project.Host.Url, Timeout = TimeSpan.FromSeconds(60) };
        return project;
    }

    /// <summary>A tiny stand-in for the Studio bundle: files with the bundle's extensions and precompressed siblings.</summary>
    public string FakeStudio()
    {
        var dir = Path.Combine(Root, "studio");
        var fw = Path.Combine(dir, "_framework");
        Directory.CreateDirectory(fw);
        File.WriteAllText(Path.Combine(fw, "blazor.webassembly.js"), "console.log('boot');");
        File.WriteAllBytes(Path.Combine(fw, "dotnet.native.abc123.wasm"), [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
        File.WriteAllBytes(Path.Combine(fw, "dotnet.native.abc123.wasm.br"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(fw, "dotnet.native.abc123.wasm.gz"), [4, 5, 6, 7]);
        File.WriteAllBytes(Path.Combine(fw, "icudt.x1.dat"), [9, 9]);
        File.WriteAllBytes(Path.Combine(fw, "Some.Lib.dll"), [8]);
        File.WriteAllBytes(Path.Combine(fw, "Other.Lib.webcil"), [7]);
        File.WriteAllText(Path.Combine(dir, "Elsa.Studio.Host.CustomElements.styles.css"), "body{}");
        return dir;
    }

    public static string? RealStudio() => StudioBundle.Locate(Path.Combine(RepoRoot, "src", "Seidr.Workflows.Designer", "wwwroot", "studio"));

    public async Task<JsonObject> GetJsonAsync(string url)
    {
        var response = await Http.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue($"GET {url} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public Task<HttpResponseMessage> PostJsonAsync(string url, JsonNode body) =>
        Http.PostAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")));

    /// <summary>The definition as Studio loads it.</summary>
    public Task<JsonObject> LoadAsync(string id = "quickstart") => GetJsonAsync($"elsa/api/workflow-definitions/by-definition-id/{Uri.EscapeDataString(id)}?versionOptions=Latest");

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Lines that differ between two texts of the same length in lines (for "only these lines changed").</summary>
public static class TextDiff
{
    public static IReadOnlyList<(string Before, string After)> ChangedLines(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        a.Length.Should().Be(b.Length, "only lines changed in place were expected, none added or removed:\n" + after);
        return a.Zip(b).Where(p => p.First != p.Second).ToList();
    }
}
