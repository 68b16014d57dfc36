using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Models;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Models.Testing;
using Seidr.Workflows.Models.Tokens;

// Model-layer throughput against a loopback OpenAI-compatible server that answers every call after 200 ms.
//   dotnet run -c Release --project bench/Seidr.Workflows.Models.Benchmarks            (BenchmarkDotNet)
//   dotnet run -c Release --project bench/Seidr.Workflows.Models.Benchmarks -- --quick (stopwatch, a few seconds)
// Token counts of the recorded CodeGen-16B pools: the regex count used before real tokenizers, against each tokenizer.
//   dotnet run -c Release --project bench/Seidr.Workflows.Models.Benchmarks -- --tokens
if (args.Contains("--quick"))
{
    await QuickAsync();
    return;
}
if (args.Contains("--tokens"))
{
    TokenCounts.Print();
    return;
}
var config = ManualConfig.CreateMinimumViable()
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
        .WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5));
var summary = BenchmarkRunner.Run<ModelThroughput>(config, args);
var perSecond = summary.Reports
    .Where(r => r.ResultStatistics is not null)
    .ToDictionary(r => (int)r.BenchmarkCase.Parameters["InFlight"], r => 1e9 / r.ResultStatistics!.Mean);
foreach (var (k, v) in perSecond.OrderBy(p => p.Key)) Console.WriteLine($"in flight {k,2}: {v:0.00} calls/s");
if (perSecond.TryGetValue(1, out var one) && perSecond.TryGetValue(32, out var many))
    Console.WriteLine($"throughput ratio 32 in flight / 1 at a time: {many / one:0.0}x");

static async Task QuickAsync()
{
    await using var bench = await ModelThroughput.StartAsync(32);
    await bench.CallsAsync(1, 1);
    var sw = Stopwatch.StartNew();
    await bench.CallsAsync(10, 1);
    var one = 10 / sw.Elapsed.TotalSeconds;
    sw.Restart();
    await bench.CallsAsync(320, 32);
    var many = 320 / sw.Elapsed.TotalSeconds;
    Console.WriteLine($"1 at a time: {one:0.00} calls/s; 32 in flight: {many:0.00} calls/s; ratio {many / one:0.0}x");
}

/// <summary>Calls through the real Semantic Kernel connector and the layer's Polly pipeline (cache off).</summary>
public class ModelThroughput : IAsyncDisposable
{
    private FakeLlmServer _server = null!;
    private ModelLayer _layer = null!;
    private IModelClient _client = null!;
    private int _counter;

    public const int CallsPerOperation = 32;

    [Params(1, 32)]
    public int InFlight { get; set; }

    public static async Task<ModelThroughput> StartAsync(int maxConcurrency)
    {
        var b = new ModelThroughput { InFlight = maxConcurrency };
        await b.SetupAsync();
        return b;
    }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await FakeLlmServer.StartAsync(TimeSpan.FromMilliseconds(200));
        var models = new Dictionary<string, IReadOnlyDictionary<string, object?>>
        {
            ["m"] = new Dictionary<string, object?>
            {
                ["provider"] = "openai-compatible", ["model"] = "fake", ["base_url"] = _server.OpenAIBaseUrl.ToString(),
                ["max_concurrency"] = InFlight,
            },
        };
        _layer = ModelLayer.Create(new ConfigurationBuilder().Build(), models, new ModelLayerOptions { CacheMode = CacheMode.Off, ExportTelemetry = false });
        _client = _layer.GetClient("m");
    }

    /// <summary><paramref name="calls"/> distinct prompts, at most <paramref name="inFlight"/> at once.</summary>
    public async Task CallsAsync(int calls, int inFlight)
    {
        using var gate = new SemaphoreSlim(inFlight);
        await Task.WhenAll(Enumerable.Range(0, calls).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var r = await _client.CompleteAsync(ModelRequest.ForText($"prompt {Interlocked.Increment(ref _counter)}"));
                if (!r.Succeeded) throw new InvalidOperationException(r.Error!.Message);
            }
            finally { gate.Release(); }
        }));
    }

    [Benchmark(OperationsPerInvoke = CallsPerOperation)]
    public Task Calls() => CallsAsync(CallsPerOperation, InFlight);

    [GlobalCleanup]
    public async Task CleanupAsync() => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        _layer.Dispose();
        await _server.DisposeAsync();
    }
}

/// <summary>Totals over data/humaneval's CodeGen-16B pools (164 prompts x 100 samples each, code and tests), per tokenizer.</summary>
internal static partial class TokenCounts
{
    public static void Print()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Seidr.Workflows.sln"))) dir = dir.Parent;
        var data = Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("Seidr.Workflows.sln not found"), "data", "humaneval");
        var counters = new (string Name, Func<string, int> Count)[]
        {
            ("regex (\\w+|[^\\w\\s], the count before)", s => Words().Count(s)),
            ("gpt2 (CodeGen's BPE)", TokenCounters.Get(TokenCounters.Gpt2).Count),
            ("cl100k_base", TokenCounters.Get(TokenCounters.Cl100kBase).Count),
            ("o200k_base", TokenCounters.Get(TokenCounters.O200kBase).Count),
        };
        foreach (var file in new[] { "codegen16B_code_samples.jsonl.gz", "codegen16B_test_samples.jsonl.gz" })
        {
            var (prompts, samples) = Read(Path.Combine(data, file));
            Console.WriteLine($"{file}: {prompts.Count} prompts, {samples.Count} samples, {samples.Sum(s => (long)s.Length):N0} characters");
            long? baseline = null;
            foreach (var (name, count) in counters)
            {
                var sw = Stopwatch.StartNew();
                long prompt = prompts.Sum(p => (long)count(p)), output = samples.Sum(s => (long)count(s));
                baseline ??= output;
                Console.WriteLine($"  {name,-40} prompts {prompt,10:N0}  samples {output,11:N0}  samples/regex {(double)output / baseline.Value,5:0.000}  ({sw.Elapsed.TotalSeconds:0.0} s)");
            }
        }
    }

    private static (List<string> Prompts, List<string> Samples) Read(string path)
    {
        var (prompts, samples) = (new List<string>(), new List<string>());
        using var reader = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            prompts.Add(doc.RootElement.GetProperty("prompt").GetString()!);
            samples.AddRange(doc.RootElement.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!));
        }
        return (prompts, samples);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\w+|[^\w\s]", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Words();
}
