using Seidr.Workflows.Models.Prompts;
using Seidr.Workflows.Models.Providers;
using Seidr.Workflows.Models.Tests.Support;
using Seidr.Workflows.Models.Tokens;

namespace Seidr.Workflows.Models.Tests;

public sealed class ReplayTests
{
    private static readonly Lazy<(List<(string Prompt, List<string> Samples)> Code, List<(string Prompt, List<string> Samples)> Tests)> Pools = new(() =>
    {
        static List<(string, List<string>)> Read(string f) => PromptTests.ReadJsonLines(TestEnv.HumanEval(f))
            .Select(e => (e.GetProperty("prompt").GetString()!, e.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!).ToList())).ToList();
        return (Read("codegen16B_code_samples.jsonl.gz"), Read("codegen16B_test_samples.jsonl.gz"));
    });

    private static ModelLayer Layer() => TestEnv.Layer(TestEnv.Models("codegen",
        ("provider", "replay"), ("model", "codegen-16B-mono"),
        ("files", new List<object?> { TestEnv.HumanEval("codegen16B_code_samples.jsonl.gz"), TestEnv.HumanEval("codegen16B_test_samples.jsonl.gz") })));

    [Fact]
    public async Task Serves_recorded_code_samples_for_the_rendered_complete_prompt()
    {
        using var layer = Layer();
        var lib = PromptLibrary.Load(TestEnv.PromptsDir);
        var client = layer.GetClient("codegen");
        var problems = PromptTests.ReadJsonLines(TestEnv.HumanEval("HumanEval_no_examples.jsonl.gz")).ToList();
        foreach (var p in problems.Take(20))
        {
            var rendered = lib.Render("humaneval/complete", new Dictionary<string, object?> { ["problem.prompt"] = p.GetProperty("prompt").GetString() });
            var r = await client.CompleteAsync(ModelRequest.For(rendered, samples: 3, sampleOffset: 10));
            var pool = Pools.Value.Code.Single(x => x.Prompt == rendered.UserText).Samples;
            r.Texts.Should().Equal(pool[10], pool[11], pool[12]);
            r.Samples.Select(s => s.Index).Should().Equal(10, 11, 12);
            r.Provider.Should().Be("replay");
        }
    }

    [Fact]
    public async Task Serves_recorded_test_samples_for_the_codet_prompt_and_the_ith_request_gets_sample_i()
    {
        using var layer = Layer();
        var lib = PromptLibrary.Load(TestEnv.PromptsDir);
        var client = layer.GetClient("codegen");
        var (prompt, pool) = Pools.Value.Tests[5];
        var rendered = lib.Render("humaneval/tests-codet", new Dictionary<string, object?> { ["problem.test_prompt"] = prompt });
        var texts = new List<string>();
        for (int i = 0; i < 4; i++) texts.Add((await client.CompleteAsync(ModelRequest.For(rendered))).Text!);
        texts.Should().Equal(pool.Take(4));
    }

    [Fact]
    public async Task Exhausted_pool_fails_with_a_clear_message()
    {
        using var layer = Layer();
        var (prompt, pool) = Pools.Value.Code[0];
        pool.Should().HaveCount(100);
        var act = () => layer.GetClient("codegen").CompleteAsync(ModelRequest.ForText(prompt) with { Samples = 5, SampleOffset = 98 });
        (await act.Should().ThrowAsync<ReplayPoolException>())
            .WithMessage("*exhausted*has_close_elements*100 recorded samples*98..102*");
    }

    [Fact]
    public async Task Unknown_prompt_fails_and_points_at_whitespace_differences()
    {
        using var layer = Layer();
        var client = layer.GetClient("codegen");
        var unknown = () => client.CompleteAsync(ModelRequest.ForText("def nothing_like_it():\n"));
        (await unknown.Should().ThrowAsync<ReplayPoolException>()).WithMessage("*no recorded samples*def nothing_like_it()*328 prompts*");

        var (prompt, _) = Pools.Value.Code[3];
        var trimmed = () => client.CompleteAsync(ModelRequest.ForText(prompt.TrimEnd()));
        (await trimmed.Should().ThrowAsync<ReplayPoolException>()).WithMessage("*trailing whitespace*");
    }

    [Fact]
    public async Task Replay_usage_is_counted_with_codegens_tokenizer_gpt2_bpe()
    {
        using var layer = Layer();
        layer.Models["codegen"].Tokenizer.Should().Be("gpt2", "CodeGen's model id implies GPT-2's BPE");
        var gpt2 = TokenCounters.Get("gpt2");
        var (prompt, pool) = Pools.Value.Code[1];
        var r = await layer.GetClient("codegen").CompleteAsync(ModelRequest.ForText(prompt) with { SampleOffset = 0 });
        r.Usage.InputTokens.Should().Be(gpt2.Count(prompt));
        r.Usage.OutputTokens.Should().Be(gpt2.Count(pool[0]));
        r.Usage.OutputTokens.Should().NotBe(TokenCounters.Get("o200k_base").Count(pool[0]), "the tokenizers split code differently");
    }

    [Fact]
    public async Task A_replayed_pool_priced_as_an_api_model_costs_its_tokens_at_that_models_prices()
    {
        var config = TestEnv.Config(("Seidr:Pricing:gpt-4o-mini:input_per_million", "0.15"), ("Seidr:Pricing:gpt-4o-mini:output_per_million", "0.60"));
        using var layer = TestEnv.Layer(TestEnv.Models("codegen",
            ("provider", "replay"), ("model", "codegen-16B-mono"),
            ("prices", new Dictionary<string, object?> { ["as"] = "gpt-4o-mini" }),
            ("files", new List<object?> { TestEnv.HumanEval("codegen16B_code_samples.jsonl.gz") })), config: config);
        var definition = layer.Models["codegen"];
        definition.PricedAs.Should().Be("gpt-4o-mini");
        definition.Pricing.Should().Be(new ModelPricing(0.15m, 0.60m));

        var (prompt, pool) = Pools.Value.Code[2];
        var r = await layer.GetClient("codegen").CompleteAsync(ModelRequest.ForText(prompt, samples: 10));
        var gpt2 = TokenCounters.Get("gpt2");
        var output = pool.Take(10).Sum(s => (long)gpt2.Count(s));
        r.Usage.Should().Be(new TokenUsage(10L * gpt2.Count(prompt), output));
        r.Cost.Should().Be((10m * gpt2.Count(prompt) * 0.15m + output * 0.60m) / 1_000_000m).And.BeGreaterThan(0m);
        layer.Ledger.Total.Cost.Should().Be(r.Cost, "the ledger, and so the summary's cost, carries the estimate");
    }
}

public sealed class ScriptedTests
{
    private const string Script = """
        # A SEIDR loop for two problems
        on_exhausted: fail
        rules:
          - name: draft
            stage: draft
            answers:
              - "def add(a, b):\n    return a - b\n"
              - "def add(a, b):\n    return a + b\n"
          - name: explain-add
            stage: explain
            contains: "def add"
            answer: "The function subtracts instead of adding."
            on_exhausted: last
          - name: repair-by-regex
            regex: "^Current program:"
            answers: ["fixed 1", "fixed 2"]
            on_exhausted: cycle
        default:
          answer: "I do not know."
        """;

    private static ModelLayer Layer(string script, params (string, object?)[] extra)
    {
        var dir = TestEnv.TempDir();
        var file = Path.Combine(dir, "script.yaml");
        File.WriteAllText(file, script);
        var values = new List<(string, object?)> { ("provider", "scripted"), ("file", file) };
        values.AddRange(extra);
        return TestEnv.Layer(TestEnv.Models("fake", values.ToArray()));
    }

    private static ModelRequest Req(string text, string stage, string problem = "P1", int samples = 1)
        => new([PromptMessage.User(text)], samples, Tags: new CallTags("r", "v", stage, problem));

    [Fact]
    public async Task Rules_match_by_stage_substring_and_regex_and_serve_answers_in_order_per_problem()
    {
        using var layer = Layer(Script);
        var c = layer.GetClient("fake");
        (await c.CompleteAsync(Req("write add", "draft"))).Text.Should().Contain("a - b");
        (await c.CompleteAsync(Req("write add", "draft", "P2"))).Text.Should().Contain("a - b", "each problem has its own sequence");
        (await c.CompleteAsync(Req("write add again", "draft"))).Text.Should().Contain("a + b");
        (await c.CompleteAsync(Req("why does def add fail", "explain"))).Text.Should().Be("The function subtracts instead of adding.");
        (await c.CompleteAsync(Req("why does def add fail", "explain"))).Text.Should().Be("The function subtracts instead of adding.", "on_exhausted: last");
        (await c.CompleteAsync(Req("Current program:\nx", "repair"))).Text.Should().Be("fixed 1");
        (await c.CompleteAsync(Req("Current program:\nx", "repair"))).Text.Should().Be("fixed 2");
        (await c.CompleteAsync(Req("Current program:\nx", "repair"))).Text.Should().Be("fixed 1", "on_exhausted: cycle");
        (await c.CompleteAsync(Req("anything else", "lexicon"))).Text.Should().Be("I do not know.");
        var r = await c.CompleteAsync(Req("x", "draft", "P3", samples: 2));
        r.Texts.Should().HaveCount(2);
        r.Provider.Should().Be("scripted");
        r.ModelId.Should().Be("fake");
    }

    [Fact]
    public async Task Exhausted_rule_with_fail_throws_a_clear_error()
    {
        using var layer = Layer(Script);
        var c = layer.GetClient("fake");
        await c.CompleteAsync(Req("a", "draft"));
        await c.CompleteAsync(Req("b", "draft"));
        var act = () => c.CompleteAsync(Req("c", "draft"));
        (await act.Should().ThrowAsync<ScriptExhaustedException>()).WithMessage("*scripted model 'fake'*draft has 2 answer(s)*answer 3*P1*");
    }

    [Fact]
    public async Task No_matching_rule_and_no_default_throws()
    {
        using var layer = Layer("rules:\n  - stage: draft\n    answer: x\n");
        var act = () => layer.GetClient("fake").CompleteAsync(Req("q", "repair"));
        (await act.Should().ThrowAsync<ScriptExhaustedException>()).WithMessage("*no rule matches stage 'repair'*");
    }

    [Fact]
    public void Invalid_scripts_are_configuration_errors()
    {
        var noCondition = () => ModelScript.Parse("m", "rules:\n  - answer: x\n");
        noCondition.Should().Throw<ModelConfigurationException>().WithMessage("*no condition*");
        var badRegex = () => ModelScript.Parse("m", "rules:\n  - regex: '('\n    answer: x\n");
        badRegex.Should().Throw<ModelConfigurationException>().WithMessage("*invalid regex*");
        var empty = () => ModelScript.Parse("m", "rules: []\n");
        empty.Should().Throw<ModelConfigurationException>();
    }

    [Fact]
    public async Task Usage_and_cost_are_deterministic()
    {
        using var layer = Layer("default:\n  answer: \"def f(x): return x+1\"\n",
            ("prices", new Dictionary<string, object?> { ["input_per_million"] = 1000000, ["output_per_million"] = 2000000 }));
        var r = await layer.GetClient("fake").CompleteAsync(Req("add one to x", "draft"));
        var tokens = TokenCounters.Get(TokenCounters.Default);
        var (input, output) = (tokens.Count("add one to x"), tokens.Count("def f(x): return x+1"));
        r.Usage.Should().Be(new TokenUsage(input, output), "a model id that implies no tokenizer gets the documented default");
        r.Cost.Should().Be(input * 1m + output * 2m);
        layer.Ledger.ForStage("r", "v", "draft").Cost.Should().Be(input * 1m + output * 2m);
    }
}
