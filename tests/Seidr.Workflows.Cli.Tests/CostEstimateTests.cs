using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Models.Tokens;

namespace Seidr.Workflows.Cli.Tests;

/// <summary>A replayed pool priced as an API model: the summary gives its estimated cost, per solved problem too.</summary>
public sealed class CostEstimateTests
{
    [Fact]
    public async Task A_replay_variant_priced_as_gpt_4o_mini_reports_cost_and_tokens_per_solved_problem()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-cost-").FullName;
        try
        {
            var pool = Seidr.Path_("data", "humaneval", "codegen16B_code_samples.jsonl.gz");
            // The project folder of the workflow: its appsettings.json names the prices, the repository's prompts and data.
            await File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"), new JsonObject
            {
                ["Seidr"] = new JsonObject
                {
                    ["Pricing"] = new JsonObject { ["gpt-4o-mini"] = new JsonObject { ["input_per_million"] = 0.15, ["output_per_million"] = 0.60 } },
                    ["Prompts"] = new JsonObject { ["Directory"] = Seidr.Path_("prompts") },
                    ["Data"] = new JsonObject { ["Directory"] = Seidr.Path_("data") },
                },
            }.ToJsonString());
            await File.WriteAllTextAsync(Path.Combine(dir, "cost.yaml"), $$"""
                id: cost
                name: Five recorded CodeGen drafts per problem, priced as gpt-4o-mini
                experiment:
                  dataset: humaneval-no-examples
                  problems: 0-3
                  seed: 1
                  models:
                    codegen:
                      provider: replay
                      model: codegen-16B-mono
                      files: [{{pool}}]
                      prices: {as: gpt-4o-mini}
                activities:
                - id: draft
                  type: Seidr.Draft
                  inputs:
                    drafts_per_prompt: 5
                    model: codegen
                    output: completion
                    prompt: humaneval/complete
                - id: execute
                  type: Seidr.Execute
                  inputs:
                    tests: examples
                - id: rank
                  type: Seidr.Rank
                  inputs:
                    beam_width: 1
                - id: submit
                  type: Seidr.Submit
                connections:
                - draft.Done -> execute
                - execute.Done -> rank
                - rank.Solved -> submit
                - rank.Exhausted -> submit
                - rank.Beam -> submit
                """);
            var outDir = Path.Combine(dir, "out");
            var r = await Seidr.RunAsync(["run", Path.Combine(dir, "cost.yaml"), "--out", outDir, "-q"], dir);
            r.ExitCode.Should().Be(0, r.StandardError + r.StandardOutput);

            var m = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "summary.json")))!["variants"]![0]!["metrics"]!;
            double Metric(string key) => m[key]!.GetValue<double>();

            // Output tokens: the five served samples of each problem, counted with GPT-2's BPE (CodeGen's tokenizer).
            var gpt2 = TokenCounters.Get("gpt2");
            var prompts = await PromptsOf(0, 4);
            var recorded = new Dictionary<string, List<string>>();
            using (var reader = new StreamReader(new GZipStream(File.OpenRead(pool), CompressionMode.Decompress)))
                while (await reader.ReadLineAsync() is { Length: > 0 } line)
                {
                    var e = JsonDocument.Parse(line).RootElement;
                    recorded[e.GetProperty("prompt").GetString()!] = e.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!).ToList();
                }
            var expectedOutput = prompts.Sum(p => recorded[p].Take(5).Sum(s => (long)gpt2.Count(s)));
            Metric("output_tokens").Should().Be(expectedOutput);
            Metric("input_tokens").Should().BeGreaterThan(0);

            var cost = (Metric("input_tokens") * 0.15 + Metric("output_tokens") * 0.60) / 1e6;
            Metric("cost").Should().BeApproximately(cost, 1e-6, "summary.json rounds metrics to 6 decimals").And.BeGreaterThan(0);
            var solved = Metric("solved");
            solved.Should().BeGreaterThan(0, "some of the first five CodeGen drafts of problems 0-3 pass the hidden tests");
            Metric("cost_per_solved").Should().BeApproximately(Metric("cost") / solved, 1e-6);
            Metric("tokens_per_solved").Should().BeApproximately(Metric("tokens") / solved, 1e-6);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The no-examples prompts of problems [from, to): what the replay pool is keyed by.</summary>
    private static async Task<List<string>> PromptsOf(int from, int to)
    {
        var prompts = new List<string>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Seidr.Path_("data", "humaneval", "HumanEval_no_examples.jsonl.gz")), CompressionMode.Decompress));
        while (await reader.ReadLineAsync() is { Length: > 0 } line) prompts.Add(JsonDocument.Parse(line).RootElement.GetProperty("prompt").GetString()!);
        return prompts.Skip(from).Take(to - from).ToList();
    }
}
