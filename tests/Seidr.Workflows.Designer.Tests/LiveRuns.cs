using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>What the runs-page tests share: a slowed copy of the quickstart, the CLI as another process, and reading server-sent events.</summary>
public static class LiveRuns
{
    public static readonly JsonObject StudioRunRequest = new() { ["correlationId"] = null, ["triggerActivityId"] = null, ["versionOptions"] = "Latest", ["input"] = null };

    /// <summary>
    /// Adds workflows/slow.yaml: the quickstart under id <c>slow</c>, its scripted model held to a token rate (one call
    /// at a time), so that a run lasts long enough to be watched while it runs (about 5,500 tokens: ~17 s at 20,000/min).
    /// </summary>
    public static string AddSlowWorkflow(TestProject p, int tokensPerMinute = 20_000)
    {
        var text = File.ReadAllText(p.YamlPath)
            .Replace("id: quickstart\n", "id: slow\n")
            .Replace("name: Quickstart - draft until the examples pass", "name: Quickstart, slowed")
            .Replace("      file: models/quickstart.scripted.yaml\n", $"      file: models/quickstart.scripted.yaml\n      tokens_per_minute: {tokensPerMinute}\n      max_concurrency: 1\n");
        text.Should().Contain("tokens_per_minute").And.Contain("id: slow");
        var path = Path.Combine(p.Workflows, "slow.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The CLI built next to the tests (the test project builds it), for <c>dotnet seidr.dll</c>.</summary>
    public static string CliDll()
    {
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(TestProject.RepoRoot, "src", "Seidr.Workflows.Cli", "bin", config, "net10.0", "seidr.dll");
        File.Exists(dll).Should().BeTrue($"the CLI is built with the tests ({dll})");
        return dll;
    }

    /// <summary>
    /// Starts <c>seidr ARGS</c> in the project's folder as another process. Dispose it (<c>await using</c>): a test that
    /// fails before <see cref="CliProcess.WaitAsync"/> kills the process and its children rather than leaving them running.
    /// </summary>
    public static CliProcess StartCli(TestProject p, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = p.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll());
        foreach (var a in args) info.ArgumentList.Add(a);
        return new CliProcess(Process.Start(info)!);
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the run list (5 minutes at most).</summary>
    public static async Task<JsonObject> WaitForListedAsync(TestProject p, Func<JsonObject, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var list = await p.GetJsonAsync("designer/api/live/runs");
            if (list["items"]!.AsArray().FirstOrDefault(i => condition(i!.AsObject())) is { } run) return run.AsObject();
            DateTime.UtcNow.Should().BeBefore(deadline, $"waiting for {what} in {list.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Reads a run's event stream to its end: every (event, data) pair in order.</summary>
    public static async Task<List<(string Event, JsonObject Data)>> ReadEventsAsync(TestProject p, string runId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"designer/api/live/runs/{Uri.EscapeDataString(runId)}/events");
        using var response = await p.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string, JsonObject)>();
        string? type = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((type!, JsonNode.Parse(line[6..])!.AsObject()));
        }
        return events;
    }
}

/// <summary>A CLI process a test started: waited for with <see cref="WaitAsync"/>, and killed with its whole tree on dispose if still running.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public CliProcess(Process process)
    {
        Process = process;
        // Read from the start: a child that fills a pipe nobody reads would block.
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public Process Process { get; }

    /// <summary>Waits for the process to exit with code 0 and returns what it printed.</summary>
    public async Task<string> WaitAsync()
    {
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5)); // a bound on waiting on a busy machine, not a speed check
        var text = await _stdout + await _stderr;
        Process.ExitCode.Should().Be(0, text);
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)); // killed: it ends at once unless the machine is swamped
            }
        }
        finally { Process.Dispose(); }
    }
}
