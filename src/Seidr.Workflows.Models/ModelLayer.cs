using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Seidr.Workflows.Models.Accounting;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Models.Configuration;
using Seidr.Workflows.Models.Prompts;
using Seidr.Workflows.Models.Providers;
using Seidr.Workflows.Models.Resilience;
using Seidr.Workflows.Models.Telemetry;

namespace Seidr.Workflows.Models;

/// <summary>Options of <see cref="ModelLayer.Create"/> (everything optional).</summary>
public sealed record ModelLayerOptions
{
    /// <summary>Folder that relative paths (replay/scripted files, cache path) are resolved against. Default: the current directory.</summary>
    public string? BaseDirectory { get; init; }
    /// <summary>Folder that relative files of <c>Seidr:Models</c> entries are resolved against (the folder of appsettings.json). Default: <see cref="BaseDirectory"/>.</summary>
    public string? ConfigurationDirectory { get; init; }
    /// <summary>Overrides <c>Seidr:Cache:Mode</c> (read-write, read-only, off).</summary>
    public CacheMode? CacheMode { get; init; }
    /// <summary>Overrides <c>Seidr:Cache:Path</c>. Default: <c>$XDG_CACHE_HOME/seidr/responses.db</c> or <c>~/.cache/seidr/responses.db</c>.</summary>
    public string? CachePath { get; init; }
    /// <summary>Folder of prompt files to load into <see cref="ModelLayer.Prompts"/>. Overrides <c>Seidr:Prompts:Directory</c>.</summary>
    public string? PromptsDirectory { get; init; }
    /// <summary>Where the layer's logs go; null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
    /// <summary>The clock for timestamps, rate limits and retry delays; null: the system clock.</summary>
    public TimeProvider? TimeProvider { get; init; }
    /// <summary>
    /// Asked before every call that would cost something (cache hits are free): return <c>null</c> to allow it, or the
    /// reason to refuse it; refused samples fail with <see cref="ModelErrorKind.BudgetExceeded"/>.
    /// </summary>
    public Func<ModelDefinition, CallTags, string?>? SpendingGate { get; init; }
    /// <summary>The run's caps on cost, calls and tokens over every model (<c>run_budget</c>); refused samples fail with <see cref="ModelErrorKind.BudgetExceeded"/>.</summary>
    public RunBudgetGate? RunBudget { get; init; }
    /// <summary>Finds an API key by the variable name. Default: the environment, then user secrets / other non-appsettings configuration.</summary>
    public Func<string, string?>? SecretResolver { get; init; }
    /// <summary>Overrides <c>Seidr:Telemetry:OtlpEndpoint</c> (and <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</summary>
    public Uri? OtlpEndpoint { get; init; }
    /// <summary>Overrides <c>Seidr:Telemetry:OtlpProtocol</c> (and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>): <c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string? OtlpProtocol { get; init; }
    /// <summary>Whether the layer starts its own OTLP exporter when an endpoint is configured (false when the host exports).</summary>
    public bool ExportTelemetry { get; init; } = true;
}

/// <summary>
/// The model layer of a run: model definitions, one client per model, the response cache, the usage ledger and
/// (optionally) the prompt library. Create one per run with <see cref="Create"/>; dispose it at the end.
/// </summary>
public sealed class ModelLayer : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IModelClient>> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ProviderDefinition, ProviderRuntime> _runtimes = new();
    private readonly List<IDisposable> _disposables = [];
    private readonly ModelLayerOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;

    private ModelLayer(IConfiguration configuration, IReadOnlyDictionary<string, ModelDefinition> models, ModelLayerOptions options)
    {
        _configuration = configuration;
        _options = options;
        Models = models;
        _loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _time = options.TimeProvider ?? TimeProvider.System;
        Ledger = new UsageLedger();
    }

    /// <summary>Every configured model by name.</summary>
    public IReadOnlyDictionary<string, ModelDefinition> Models { get; }
    /// <summary>Every request made through the layer, summed per run, variant, stage and model.</summary>
    public UsageLedger Ledger { get; }
    /// <summary>The response cache, or <c>null</c> when the mode is off.</summary>
    public ResponseCache? Cache { get; private set; }
    /// <summary>The prompt library, when a prompts folder was given.</summary>
    public PromptLibrary? Prompts { get; private set; }

    /// <summary>
    /// Builds the layer from configuration (<c>Seidr:Models</c>, <c>Seidr:Providers</c>, <c>Seidr:Pricing</c>,
    /// <c>Seidr:Cache</c>, <c>Seidr:Telemetry</c>) merged with a workflow's <c>models:</c> section.
    /// Throws <see cref="ModelConfigurationException"/> (naming model and key) for an invalid model.
    /// API keys are looked up when a model's client is first asked for (<see cref="GetClient"/>).
    /// </summary>
    public static ModelLayer Create(
        IConfiguration configuration,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>>? workflowModels = null,
        ModelLayerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        options ??= new ModelLayerOptions();
        var baseDir = Path.GetFullPath(options.BaseDirectory ?? Directory.GetCurrentDirectory());
        var models = ModelCatalog.Build(configuration, workflowModels, baseDir, options.ConfigurationDirectory);
        var layer = new ModelLayer(configuration, models, options);
        try
        {
            var cacheSection = configuration.GetSection("Seidr:Cache");
            var mode = options.CacheMode ?? ParseMode(cacheSection["Mode"]);
            if (mode != CacheMode.Off)
            {
                var configured = cacheSection["Path"];
                var path = options.CachePath ?? (string.IsNullOrWhiteSpace(configured) ? DefaultCachePath() : configured);
                if (!Path.IsPathRooted(path)) path = Path.Combine(baseDir, path);
                layer.Cache = new ResponseCache(path, mode);
                layer._disposables.Add(layer.Cache);
            }
            var prompts = options.PromptsDirectory ?? configuration["Seidr:Prompts:Directory"];
            if (prompts is not null) layer.Prompts = PromptLibrary.Load(Path.IsPathRooted(prompts) ? prompts : Path.Combine(baseDir, prompts));
            layer.StartExporter();
        }
        catch
        {
            layer.Dispose();
            throw;
        }
        return layer;
    }

    /// <summary>Default cache file: <c>$XDG_CACHE_HOME/seidr/responses.db</c>, else <c>~/.cache/seidr/responses.db</c>.</summary>
    public static string DefaultCachePath()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root)) root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "seidr", "responses.db");
    }

    /// <summary>The cache mode a setting spells (<c>read-write</c>, <c>read-only</c>, <c>off</c> and their short forms); empty: read-write.</summary>
    /// <exception cref="ArgumentException">Any other text.</exception>
    public static CacheMode ParseMode(string? text) => text?.Replace("_", "-").ToLowerInvariant() switch
    {
        null or "" or "read-write" or "readwrite" or "rw" => CacheMode.ReadWrite,
        "read-only" or "readonly" or "ro" => CacheMode.ReadOnly,
        "off" or "none" or "false" => CacheMode.Off,
        _ => throw new ArgumentException($"cache mode '{text}' is not read-write, read-only or off"),
    };

    /// <summary>The client of model <paramref name="name"/>; created once, shared by every caller.</summary>
    public IModelClient GetClient(string name)
    {
        if (!Models.ContainsKey(name))
            throw new ModelConfigurationException(name, null, $"no such model; configured models: {string.Join(", ", Models.Keys.Order())}");
        var lazy = _clients.GetOrAdd(name, n => new Lazy<IModelClient>(() => CreateClient(Models[n]), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _clients.TryRemove(name, out _);
            throw;
        }
    }

    /// <summary>Problems that would stop model <paramref name="name"/> from being used (unknown name, missing API key, missing file); empty when none.</summary>
    public IReadOnlyList<string> Validate(string name)
    {
        if (!Models.TryGetValue(name, out var model)) return [$"model '{name}' is not configured"];
        var problems = new List<string>();
        if (model.Provider.ApiKeyEnv is { } env && NeedsKey(model) && ResolveSecret(env) is null)
            problems.Add($"model '{name}': the API key variable {env} is not set (environment or user secrets)");
        foreach (var f in model.Files.Where(f => !File.Exists(f)))
            problems.Add($"model '{name}': file '{f}' does not exist");
        return problems;
    }

    private IModelClient CreateClient(ModelDefinition model)
    {
        var runtime = _runtimes.GetOrAdd(model.Provider, p => new ProviderRuntime(p, _time, _loggers.CreateLogger("Seidr.Workflows.Models.Provider")));
        IModelBackend backend = model.Kind switch
        {
            ProviderKind.OpenAI or ProviderKind.AzureOpenAI or ProviderKind.OpenAICompatible => new OpenAIBackend(model, ApiKeyFor(model), runtime.Http),
            ProviderKind.Ollama => new OllamaBackend(model, runtime.Http),
            ProviderKind.Replay => new ReplayBackend(model),
            ProviderKind.Scripted => new ScriptedBackend(model),
            _ => throw new ModelConfigurationException(model.Name, "provider", $"unsupported provider kind {model.Kind}"),
        };
        lock (_disposables) _disposables.Add(backend);
        return new ModelClient(model, backend, runtime, Cache, Ledger, _options.SpendingGate, _loggers.CreateLogger("Seidr.Workflows.Models")) { RunBudget = _options.RunBudget };
    }

    private string? ApiKeyFor(ModelDefinition model)
    {
        var env = model.Provider.ApiKeyEnv;
        if (env is null) return null;
        var key = ResolveSecret(env);
        if (key is null && NeedsKey(model))
            throw new ModelConfigurationException(model.Name, "api_key_env", $"the API key variable {env} is not set (set it in the environment or with dotnet user-secrets)");
        return key;
    }

    /// <summary>OpenAI and Azure always need a key; an OpenAI-compatible server needs one when api_key_env is set.</summary>
    private static bool NeedsKey(ModelDefinition model) => model.Kind is ProviderKind.OpenAI or ProviderKind.AzureOpenAI or ProviderKind.OpenAICompatible;

    private string? ResolveSecret(string name)
    {
        if (_options.SecretResolver is { } resolver) return resolver(name);
        var value = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrEmpty(value)) return value;
        // User secrets and other non-file sources; appsettings*.json files are never read for keys.
        if (_configuration is IConfigurationRoot root)
        {
            foreach (var provider in root.Providers.Reverse())
            {
                if (provider.ToString()?.Contains("appsettings", StringComparison.OrdinalIgnoreCase) == true) continue;
                if (provider.TryGet(name, out var v) && !string.IsNullOrEmpty(v)) return v;
            }
        }
        return null;
    }

    private void StartExporter()
    {
        if (!_options.ExportTelemetry) return;
        var endpointText = _options.OtlpEndpoint?.ToString() ?? _configuration["Seidr:Telemetry:OtlpEndpoint"]
            ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (string.IsNullOrWhiteSpace(endpointText)) return;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint))
            throw new ArgumentException($"Seidr:Telemetry:OtlpEndpoint '{endpointText}' is not a URL");
        var protocolText = _options.OtlpProtocol ?? _configuration["Seidr:Telemetry:OtlpProtocol"]
            ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL");
        var protocol = protocolText?.Trim().ToLowerInvariant() switch
        {
            null or "" or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" or "http" => OtlpExportProtocol.HttpProtobuf,
            _ => throw new ArgumentException($"OTLP protocol '{protocolText}' is not grpc or http/protobuf"),
        };
        // With http/protobuf an endpoint set in code is used as is: add the signal paths (as OTEL_EXPORTER_OTLP_ENDPOINT would).
        Uri Signal(string path) => protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.ToString().TrimEnd('/') + path) : endpoint;
        var resource = ResourceBuilder.CreateDefault().AddService("seidr-workflows");
        _disposables.Add(Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(ModelTelemetry.SourceName)
            .AddOtlpExporter(o => { o.Endpoint = Signal("/v1/traces"); o.Protocol = protocol; }).Build());
        _disposables.Add(Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(ModelTelemetry.SourceName)
            .AddOtlpExporter(o => { o.Endpoint = Signal("/v1/metrics"); o.Protocol = protocol; }).Build());
    }

    /// <summary>Releases what the layer opened: the telemetry exporters and every model client.</summary>
    public void Dispose()
    {
        lock (_disposables)
        {
            foreach (var d in _disposables) d.Dispose();
            _disposables.Clear();
        }
        foreach (var r in _runtimes.Values) r.Dispose();
        _runtimes.Clear();
    }
}
