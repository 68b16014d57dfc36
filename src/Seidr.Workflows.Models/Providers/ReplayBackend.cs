using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO.Compression;
using System.Text.Json;

namespace Seidr.Workflows.Models.Providers;

/// <summary>
/// A fixed pool of recorded outputs: JSON lines <c>{"prompt": ..., "samples": [...]}</c> (optionally gzipped), keyed by
/// the exact prompt text. Sample <c>i</c> of a prompt is record <c>i</c> of its pool. The request's last user message is
/// the key (completion-style: the prompt file renders the dataset's prompt verbatim).
/// </summary>
internal sealed class ReplayBackend : IModelBackend
{
    private static readonly ConcurrentDictionary<string, ReplayPool> Pools = new(StringComparer.Ordinal);
    private readonly ModelDefinition _model;
    private readonly ReplayPool _pool;

    public ReplayBackend(ModelDefinition model)
    {
        _model = model;
        _pool = Pools.GetOrAdd(string.Join('\n', model.Files), _ => ReplayPool.Load(model.Name, model.Files));
    }

    public bool SupportsMultipleSamples => true;

    public int DefaultSamplesPerCall => int.MaxValue;

    public Task<BackendResult> GenerateAsync(BackendCall call, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var key = call.Messages.LastOrDefault(m => m.Role == MessageRole.User)?.Content ?? "";
        if (!_pool.Samples.TryGetValue(key, out var samples))
            throw new ReplayPoolException(_model.Name, _pool.DescribeUnknown(key));
        int last = call.FirstSampleIndex + call.Count - 1;
        if (last >= samples.Length)
            throw new ReplayPoolException(_model.Name,
                $"the pool is exhausted: {ReplayPool.Describe(key)} has {samples.Length} recorded samples, but samples {call.FirstSampleIndex}..{last} were asked; a replay model serves recorded text only");
        var served = Enumerable.Range(call.FirstSampleIndex, call.Count).Select(i => new BackendSample(samples[i], "recorded")).ToList();
        var tokens = _model.TokenCounter;
        long input = tokens.Count(call.Messages) * (long)call.Count;
        long output = served.Sum(s => (long)tokens.Count(s.Text));
        return Task.FromResult(new BackendResult(served, input, output, _model.ModelId));
    }

    public void Dispose() { }

    internal sealed class ReplayPool
    {
        public required ImmutableDictionary<string, ImmutableArray<string>> Samples { get; init; }
        public required ImmutableArray<string> Files { get; init; }

        public static ReplayPool Load(string modelName, IReadOnlyList<string> files)
        {
            var builder = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                if (!File.Exists(file)) throw new ModelConfigurationException(modelName, "file", $"replay file '{file}' does not exist");
                using var stream = File.OpenRead(file);
                using Stream text = file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
                using var reader = new StreamReader(text);
                int lineNo = 0;
                while (reader.ReadLine() is { } line)
                {
                    lineNo++;
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    try
                    {
                        using var doc = JsonDocument.Parse(line);
                        var prompt = doc.RootElement.GetProperty("prompt").GetString() ?? "";
                        var samples = doc.RootElement.GetProperty("samples").EnumerateArray().Select(s => s.GetString() ?? "").ToImmutableArray();
                        if (builder.TryGetValue(prompt, out var existing)) samples = existing.AddRange(samples);
                        builder[prompt] = samples;
                    }
                    catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
                    {
                        throw new ModelConfigurationException(modelName, "file", $"{file}:{lineNo}: expected a JSON object with 'prompt' and 'samples' ({e.Message})");
                    }
                }
            }
            return new ReplayPool { Samples = builder.ToImmutable(), Files = [.. files] };
        }

        public static string Describe(string prompt)
        {
            var def = prompt.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("def ", StringComparison.Ordinal))?.Trim();
            return def is not null ? $"the prompt with '{def}'" : $"the prompt '{Shorten(prompt)}'";
        }

        public string DescribeUnknown(string key)
        {
            var message = $"no recorded samples for {Describe(key)} ({key.Length} chars); the pool has {Samples.Count} prompts from {string.Join(", ", Files.Select(Path.GetFileName))}";
            var trimmed = key.TrimEnd();
            var near = Samples.Keys.FirstOrDefault(k => k.TrimEnd() == trimmed);
            if (near is not null)
                message += $"; a recorded prompt differs only in trailing whitespace ({near.Length} vs {key.Length} chars): render the prompt verbatim";
            return message;
        }

        private static string Shorten(string s)
        {
            s = s.ReplaceLineEndings("\\n");
            return s.Length <= 80 ? s : s[..77] + "...";
        }
    }
}
