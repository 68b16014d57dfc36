using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Models.Tests.Support;

namespace Seidr.Workflows.Models.Tests;

/// <summary>The repository's appsettings.json, prompts/ and scripted demo used the way a SEIDR workflow uses them.</summary>
public sealed class EndToEndTests
{
    private static ModelLayer RepoLayer(IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>>? workflowModels = null) =>
        ModelLayer.Create(
            new ConfigurationBuilder().AddJsonFile(Path.Combine(TestEnv.RepoRoot, "appsettings.json")).Build(),
            workflowModels,
            new ModelLayerOptions
            {
                BaseDirectory = TestEnv.RepoRoot,
                PromptsDirectory = "prompts",
                CacheMode = CacheMode.ReadWrite,
                CachePath = Path.Combine(TestEnv.TempDir(), "responses.db"),
                ExportTelemetry = false,
            });

    [Fact]
    public async Task Scripted_seidr_loop_with_repository_prompts()
    {
        using var layer = RepoLayer();
        var model = layer.GetClient("scripted-demo");
        var problem = new { Id = "HumanEval/53", Prompt = "def add(x: int, y: int):\n    \"\"\"Add two numbers x and y\"\"\"\n", EntryPoint = "add" };
        CallTags Tags(string stage) => new("run-1", "seidr", stage, problem.Id);

        var draft = await model.CompleteAsync(ModelRequest.For(layer.Prompts!.Render("draft", new Dictionary<string, object?> { ["problem"] = problem }), tags: Tags("draft")));
        draft.Text.Should().Contain("return x - y");

        var explain = await model.CompleteAsync(ModelRequest.For(layer.Prompts.Render("explain", new Dictionary<string, object?>
        {
            ["problem"] = problem, ["program"] = draft.Text, ["test_results"] = "add(2, 3): expected 5, got -1",
        }), tags: Tags("explain")));
        explain.Text.Should().Contain("sum");

        var repair = await model.CompleteAsync(ModelRequest.For(layer.Prompts.Render("repair", new Dictionary<string, object?>
        {
            ["problem"] = problem, ["program"] = draft.Text, ["explanation"] = explain.Text,
        }), tags: Tags("repair")));
        repair.Text.Should().Contain("return x + y");
        repair.Provider.Should().Be("scripted");

        var unknownStage = await model.CompleteAsync(ModelRequest.For(layer.Prompts.Render("lexicon", new Dictionary<string, object?> { ["problem"] = problem }), tags: Tags("lexicon")));
        unknownStage.Samples.Single().IsEmpty.Should().BeTrue("the default answer is empty and is returned, not thrown");

        layer.Ledger.ForRun("run-1").Requests.Should().Be(4);
        layer.Ledger.ForStage("run-1", "seidr", "repair").OutputTokens.Should().BeGreaterThan(0);
        layer.Ledger.Records.Select(r => r.PromptName).Should().Equal("draft", "explain", "repair", "lexicon");
    }

    [Fact]
    public async Task Replay_model_from_appsettings_serves_codegen_outputs_for_the_complete_prompt()
    {
        using var layer = RepoLayer();
        var problem = PromptTests.ReadJsonLines(TestEnv.HumanEval("HumanEval_no_examples.jsonl.gz")).First();
        var rendered = layer.Prompts!.Render("humaneval/complete", new Dictionary<string, object?> { ["problem.prompt"] = problem.GetProperty("prompt").GetString() });
        var r = await layer.GetClient("codegen-replay").CompleteAsync(ModelRequest.For(rendered, samples: 100));
        r.Samples.Should().HaveCount(100).And.OnlyContain(s => s.Succeeded && s.FinishReason == "recorded");
        var reference = PromptTests.ReadJsonLines(TestEnv.HumanEval("reference_verdicts_first10.jsonl.gz"))
            .Where(v => v.GetProperty("task_id").GetString() == "HumanEval/0").OrderBy(v => v.GetProperty("sample").GetInt32())
            .Select(v => v.GetProperty("completion").GetString()).ToList();
        r.Texts.Take(10).Should().Equal(reference, "samples 0-9 are the ones the reference verdicts were computed on");
    }

    [Fact]
    public void Workflow_models_override_appsettings_and_validation_reports_missing_keys()
    {
        var workflow = TestEnv.Models("gpt-4o-mini", ("temperature", 0.2), ("api_key_env", "SEIDR_TEST_NO_SUCH_KEY"));
        using var layer = RepoLayer(workflow);
        layer.Models["gpt-4o-mini"].Settings.Temperature.Should().Be(0.2);
        layer.Models["gpt-4o-mini"].Settings.MaxTokens.Should().Be(512);
        layer.Validate("gpt-4o-mini").Should().ContainSingle().Which.Should().Contain("SEIDR_TEST_NO_SUCH_KEY");
        layer.Validate("codegen-replay").Should().BeEmpty();
    }
}
