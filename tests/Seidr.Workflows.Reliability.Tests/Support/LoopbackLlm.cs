using System.Diagnostics;
using System.Text.Json.Nodes;
using Seidr.Workflows.Datasets.Loading;
using Seidr.Workflows.Persistence.Tests.Support;

namespace Seidr.Workflows.Reliability.Tests.Support;

/// <summary>
/// <c>loopback_llm.py</c> as a child process: a plain Python threaded HTTP server speaking the OpenAI chat API on a free
/// loopback port, with deterministic fault injection (see the script's docstring). Answers depend only on a request's
/// prompt and seed, so runs with and without faults can be compared candidate by candidate.
/// </summary>
public sealed class LoopbackLlm : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private LoopbackLlm(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary>Starts the server with the script's arguments (e.g. <c>--faults 503=0.3</c>).</summary>
    public static LoopbackLlm Start(params string[] args)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Support", "loopback_llm.py");
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("--solutions");
        psi.ArgumentList.Add(SolutionsFile.Value);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var first = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"loopback_llm.py did not start: {process.StandardError.ReadToEnd()}");
        var server = new LoopbackLlm(process, int.Parse(first.Split(' ')[1]));
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server._lines) server._lines.Add(e.Data); };
        process.BeginErrorReadLine();
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line) lock (server._lines) server._lines.Add(line);
        });
        return server;
    }

    /// <summary>What the server printed after its port (AWAY/BACK lines, tracebacks).</summary>
    public string Log { get { lock (_lines) return string.Join("\n", _lines); } }

    /// <summary>What the server saw: requests, answered, faults by kind, answers per key, attempts per key, max_in_flight.</summary>
    public async Task<Stats> StatsAsync()
    {
        var json = JsonNode.Parse(await Http.GetStringAsync($"http://127.0.0.1:{Port}/stats"))!;
        return new Stats(
            json["requests"]!.GetValue<int>(),
            json["answered"]!.GetValue<int>(),
            json["max_in_flight"]!.GetValue<int>(),
            json["faults"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>()),
            json["keys"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>()),
            json["attempts"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>()));
    }

    /// <param name="Keys">Answers per request key.</param>
    /// <param name="Attempts">Requests per key, answered or not.</param>
    public sealed record Stats(int Requests, int Answered, int MaxInFlight, IReadOnlyDictionary<string, int> Faults, IReadOnlyDictionary<string, int> Keys,
        IReadOnlyDictionary<string, int> Attempts)
    {
        public int FaultCount => Faults.Values.Sum();
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(true); } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>The HumanEval problems' prompts and canonical solutions, for answers that are right for a third of the seeds.</summary>
    private static readonly Lazy<string> SolutionsFile = new(() =>
    {
        var data = DatasetCatalog.ResolveDataDirectory(SeidrProcess.RepoRoot);
        var problems = new DatasetCatalog(data).Load("humaneval", SeidrProcess.RepoRoot);
        var path = Path.Combine(Path.GetTempPath(), $"seidr-solutions-{Environment.ProcessId}.json");
        File.WriteAllText(path, new JsonArray(problems.Select(p => (JsonNode)new JsonObject { ["prompt"] = p.Prompt, ["solution"] = p.CanonicalSolution }).ToArray()).ToJsonString());
        return path;
    });
}
