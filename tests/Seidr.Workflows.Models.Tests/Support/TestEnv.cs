using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Models.Cache;

namespace Seidr.Workflows.Models.Tests.Support;

internal static class TestEnv
{
    public static string RepoRoot => global::Seidr.Workflows.Tests.RepoRoot.Path;
    /// <summary>The data that ships with the repository (<c>data/</c>).</summary>
    public static string Data => Path.Combine(RepoRoot, "data");
    public static string HumanEval(string file) => Path.Combine(Data, "humaneval", file);
    public static string PromptsDir => Path.Combine(RepoRoot, "prompts");

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "seidr-models-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    public static IConfiguration Config(params (string Key, string? Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> Models(string name, params (string Key, object? Value)[] values)
        => new Dictionary<string, IReadOnlyDictionary<string, object?>> { [name] = values.ToDictionary(v => v.Key, v => v.Value) };

    /// <summary>A layer with a fresh cache file (or none) for one model.</summary>
    public static ModelLayer Layer(IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> models, string? cacheDir = null,
        CacheMode mode = CacheMode.Off, IConfiguration? config = null, ModelLayerOptions? options = null)
    {
        options ??= new ModelLayerOptions();
        options = options with
        {
            CacheMode = mode,
            CachePath = mode == CacheMode.Off ? null : Path.Combine(cacheDir ?? TempDir(), "responses.db"),
            ExportTelemetry = false,
            SecretResolver = options.SecretResolver ?? (name => name == "FAKE_KEY" ? "sk-test-secret-123" : null),
        };
        return ModelLayer.Create(config ?? Config(), models, options);
    }
}
