using System.Text;
using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Models.Configuration;
using Seidr.Workflows.Models.Tests.Support;

namespace Seidr.Workflows.Models.Tests;

public sealed class ConfigurationTests
{
    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    private const string AppSettings = """
        {
          "Seidr": {
            "Providers": {
              "local": { "type": "openai-compatible", "base_url": "http://127.0.0.1:8000/v1", "max_concurrency": 4, "tokens_per_minute": 50000, "max_retries": 2 }
            },
            "Pricing": {
              "gpt-4o-mini": { "input_per_million": 0.15, "output_per_million": 0.60 }
            },
            "Models": {
              "gpt": { "provider": "openai", "model": "gpt-4o-mini", "temperature": 0.2, "stop": [ "\ndef" ] },
              "qwen": { "provider": "local", "model": "qwen2.5-coder:7b", "MaxTokens": 300,
                        "prices": { "input_per_million": 0, "output_per_million": 0 } }
            }
          }
        }
        """;

    [Fact]
    public void Files_of_appsettings_models_are_relative_to_the_configuration_folder_and_the_workflows_to_the_workflow()
    {
        var config = Json("""{ "Seidr": { "Models": { "pool": { "provider": "replay", "files": [ "data/pool.jsonl" ] }, "other": { "provider": "replay", "files": [ "data/pool.jsonl" ] } } } }""");
        var workflow = new Dictionary<string, IReadOnlyDictionary<string, object?>>
        {
            ["other"] = new Dictionary<string, object?> { ["files"] = new List<object?> { "../data/mine.jsonl" } },
            ["script"] = new Dictionary<string, object?> { ["provider"] = "scripted", ["file"] = "models/s.yaml" },
        };
        var models = ModelCatalog.Build(config, workflow, "/repo/workflows", "/repo");
        models["pool"].Files.Should().Equal("/repo/data/pool.jsonl");
        models["other"].Files.Should().ContainSingle().Which.Should().Be("/repo/data/mine.jsonl", "a workflow's own files are relative to the workflow");
        models["script"].Files.Should().Equal("/repo/workflows/models/s.yaml");
        ModelCatalog.Build(config, null, "/repo/workflows")["pool"].Files.Should().ContainSingle().Which.Should().Be("/repo/workflows/data/pool.jsonl", "without a configuration folder the base folder serves");
    }

    [Fact]
    public void Workflow_models_are_merged_key_by_key_over_appsettings()
    {
        var workflow = new Dictionary<string, IReadOnlyDictionary<string, object?>>
        {
            ["gpt"] = new Dictionary<string, object?> { ["temperature"] = 0.7, ["max_tokens"] = 512, ["samples_per_call"] = 5, ["seed"] = 42 },
            ["llama"] = new Dictionary<string, object?> { ["provider"] = "ollama", ["model"] = "llama3.1:8b", ["top_p"] = 0.95 },
        };
        var models = ModelCatalog.Build(Json(AppSettings), workflow);

        var gpt = models["gpt"];
        gpt.Kind.Should().Be(ProviderKind.OpenAI);
        gpt.ModelId.Should().Be("gpt-4o-mini");
        gpt.Settings.Temperature.Should().Be(0.7);
        gpt.Settings.MaxTokens.Should().Be(512);
        gpt.Settings.SamplesPerCall.Should().Be(5);
        gpt.Settings.Seed.Should().Be(42);
        gpt.Settings.Stop.Should().Equal("\ndef");
        gpt.Pricing.Should().Be(new ModelPricing(0.15m, 0.60m));
        gpt.Provider.ApiKeyEnv.Should().Be("OPENAI_API_KEY");
        gpt.Provider.BaseUrl.Should().Be(new Uri("https://api.openai.com/v1/"));

        var qwen = models["qwen"];
        qwen.Kind.Should().Be(ProviderKind.OpenAICompatible);
        qwen.Provider.Name.Should().Be("local");
        qwen.Provider.MaxConcurrency.Should().Be(4);
        qwen.Provider.TokensPerMinute.Should().Be(50000);
        qwen.Provider.MaxRetries.Should().Be(2);
        qwen.Settings.MaxTokens.Should().Be(300, "PascalCase keys from appsettings are accepted");

        var llama = models["llama"];
        llama.Kind.Should().Be(ProviderKind.Ollama);
        llama.Provider.BaseUrl.Should().Be(new Uri("http://localhost:11434/"));
        llama.Settings.TopP.Should().Be(0.95);
        llama.Pricing.Should().Be(ModelPricing.Free);
    }

    [Theory]
    [InlineData("provider", "gpt-9", "provider", "unknown provider 'gpt-9'")]
    [InlineData("temprature", "0.5", "temprature", "unknown setting")]
    [InlineData("temperature", "hot", "temperature", "expected a number")]
    [InlineData("temperature", "3", "temperature", "between 0 and 2")]
    [InlineData("api_key", "sk-123", "api_key", "must not be written")]
    [InlineData("max_tokens", "1.5", "max_tokens", "whole number")]
    [InlineData("base_url", "not a url", "base_url", "not an http(s) URL")]
    public void Invalid_settings_name_the_model_and_the_key(string key, string value, string expectedKey, string message)
    {
        var values = new Dictionary<string, object?> { ["provider"] = "openai", ["model"] = "gpt-4o" };
        values[key] = value;
        var act = () => ModelCatalog.Build(TestEnv.Config(), new Dictionary<string, IReadOnlyDictionary<string, object?>> { ["coder"] = values });
        act.Should().Throw<ModelConfigurationException>()
            .Where(e => e.ModelName == "coder" && e.Key == expectedKey)
            .WithMessage($"*coder*{expectedKey}*{message}*");
    }

    [Theory]
    [InlineData("openai", "model")]
    [InlineData("openai-compatible", "base_url")]
    [InlineData("azure-openai", "base_url")]
    [InlineData("replay", "file")]
    [InlineData("scripted", "file")]
    public void Missing_required_settings_name_the_key(string provider, string key)
    {
        var act = () => ModelCatalog.Build(TestEnv.Config(), TestEnv.Models("m", ("provider", provider)));
        act.Should().Throw<ModelConfigurationException>().Where(e => e.ModelName == "m" && e.Key == key);
    }

    [Fact]
    public void Missing_provider_is_reported()
    {
        var act = () => ModelCatalog.Build(TestEnv.Config(), TestEnv.Models("m", ("model", "x")));
        act.Should().Throw<ModelConfigurationException>().Where(e => e.Key == "provider");
    }

    [Fact]
    public void Unknown_model_name_lists_the_configured_ones()
    {
        using var layer = TestEnv.Layer(TestEnv.Models("a", ("provider", "ollama"), ("model", "x")));
        layer.Invoking(l => l.GetClient("b")).Should().Throw<ModelConfigurationException>().WithMessage("*'b'*no such model*a*");
        layer.Validate("b").Should().ContainSingle();
        layer.Validate("a").Should().BeEmpty();
    }

    [Fact]
    public void Repository_appsettings_builds()
    {
        var path = Path.Combine(TestEnv.RepoRoot, "appsettings.json");
        var config = new ConfigurationBuilder().AddJsonFile(path).Build();
        var models = ModelCatalog.Build(config, null, TestEnv.RepoRoot);
        models.Should().ContainKeys("gpt-4o-mini", "azure-gpt-4o-mini", "ollama-qwen-coder", "local-openai", "codegen-replay", "scripted-demo");
        models["codegen-replay"].Files.Should().OnlyContain(f => File.Exists(f), "the replay pools are found from the repository root");
        models["scripted-demo"].Files.Should().OnlyContain(f => File.Exists(f));
        models["gpt-4o-mini"].Pricing.InputPerMillion.Should().BeGreaterThan(0);
        config["Seidr:Cache:Mode"].Should().Be("read-write");
    }
}
