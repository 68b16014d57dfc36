using Seidr.Workflows.Models.Configuration;
using Seidr.Workflows.Models.Tests.Support;
using Seidr.Workflows.Models.Tokens;

namespace Seidr.Workflows.Models.Tests;

/// <summary>Token counts with the real tokenizers (Microsoft.ML.Tokenizers' packaged vocabularies) and the rule that picks one per model.</summary>
public sealed class TokenizerTests
{
    // Counts published in OpenAI's cookbook ("How to count tokens with tiktoken", compare_encodings).
    [Theory]
    [InlineData("gpt2", "antidisestablishmentarianism", 5)]
    [InlineData("cl100k_base", "antidisestablishmentarianism", 6)]
    [InlineData("o200k_base", "antidisestablishmentarianism", 6)]
    [InlineData("gpt2", "2 + 2 = 4", 5)]
    [InlineData("cl100k_base", "2 + 2 = 4", 7)]
    [InlineData("o200k_base", "2 + 2 = 4", 7)]
    [InlineData("gpt2", "お誕生日おめでとう", 14)]
    [InlineData("cl100k_base", "お誕生日おめでとう", 9)]
    [InlineData("o200k_base", "お誕生日おめでとう", 8)]
    public void Counts_match_the_published_ones(string tokenizer, string text, int tokens) =>
        TokenCounters.Get(tokenizer).Count(text).Should().Be(tokens);

    [Fact]
    public void Messages_count_as_the_sum_of_their_contents_and_empty_text_is_no_token()
    {
        var counter = TokenCounters.Get("cl100k_base");
        counter.Count(new[] { new PromptMessage(MessageRole.System, "2 + 2 = 4"), new PromptMessage(MessageRole.User, "antidisestablishmentarianism") })
            .Should().Be(13);
        counter.Count("").Should().Be(0);
        counter.Count((string?)null).Should().Be(0);
    }

    [Theory]
    [InlineData("gpt-4o-mini", "o200k_base")]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4.1-mini", "o200k_base")]
    [InlineData("gpt-5", "o200k_base")]
    [InlineData("o3-mini", "o200k_base")]
    [InlineData("o1", "o200k_base")]
    [InlineData("openai/gpt-oss-20b", "o200k_base")]
    [InlineData("my-gpt-4o-mini", "o200k_base")] // an Azure deployment's own name
    [InlineData("gpt-4", "cl100k_base")]
    [InlineData("gpt-4-turbo", "cl100k_base")]
    [InlineData("gpt-3.5-turbo", "cl100k_base")]
    [InlineData("codegen-16B-mono", "gpt2")]
    [InlineData("Salesforce/codegen-16B-mono", "gpt2")]
    [InlineData("gpt2-xl", "gpt2")]
    [InlineData("qwen2.5-coder:7b", null)]
    [InlineData("llama3.1:8b", null)]
    [InlineData("olmo-7b", null)]
    public void The_model_id_implies_a_tokenizer(string modelId, string? expected) =>
        TokenCounters.Infer(modelId).Should().Be(expected);

    [Fact]
    public void A_definition_takes_its_tokenizer_setting_else_the_model_ids_else_the_default()
    {
        var models = ModelCatalog.Build(TestEnv.Config(), new Dictionary<string, IReadOnlyDictionary<string, object?>>
        {
            ["explicit"] = new Dictionary<string, object?> { ["provider"] = "ollama", ["model"] = "gpt-4o-like", ["tokenizer"] = "GPT-2" },
            ["api"] = new Dictionary<string, object?> { ["provider"] = "openai", ["model"] = "gpt-4.1" },
            ["local"] = new Dictionary<string, object?> { ["provider"] = "ollama", ["model"] = "qwen2.5-coder:7b" },
        });
        models["explicit"].Tokenizer.Should().Be("gpt2", "the setting wins and its spelling is forgiven");
        models["api"].Tokenizer.Should().Be("o200k_base");
        models["local"].Tokenizer.Should().Be(TokenCounters.Default);
        models["explicit"].TokenCounter.Name.Should().Be("gpt2");
    }

    [Fact]
    public void An_unknown_tokenizer_or_priced_as_entry_names_the_model_and_the_key()
    {
        var bad = () => ModelCatalog.Build(TestEnv.Config(), TestEnv.Models("m", ("provider", "ollama"), ("model", "x"), ("tokenizer", "sentencepiece")));
        bad.Should().Throw<ModelConfigurationException>().Where(e => e.ModelName == "m" && e.Key == "tokenizer")
            .WithMessage("*'sentencepiece'*o200k_base, cl100k_base, gpt2*");
        var noEntry = () => ModelCatalog.Build(TestEnv.Config(("Seidr:Pricing:gpt-4o:input_per_million", "2.5")),
            TestEnv.Models("m", ("provider", "ollama"), ("model", "x"), ("prices", new Dictionary<string, object?> { ["as"] = "gpt-9" })));
        noEntry.Should().Throw<ModelConfigurationException>().Where(e => e.ModelName == "m" && e.Key == "prices.as")
            .WithMessage("*no entry 'gpt-9'*known: gpt-4o*");
    }

    [Fact]
    public void Numbers_beside_priced_as_override_that_entrys()
    {
        var models = ModelCatalog.Build(
            TestEnv.Config(("Seidr:Pricing:gpt-4o:input_per_million", "2.5"), ("Seidr:Pricing:gpt-4o:output_per_million", "10")),
            TestEnv.Models("m", ("provider", "scripted"), ("file", "x.yaml"),
                ("prices", new Dictionary<string, object?> { ["as"] = "GPT-4o", ["output_per_million"] = 8 })));
        models["m"].Pricing.Should().Be(new ModelPricing(2.5m, 8m));
        models["m"].PricedAs.Should().Be("gpt-4o", "the entry's own spelling is kept");
    }
}
