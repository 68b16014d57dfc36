using System.Collections.Immutable;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// HumanEval and the datasets in its form (MBPP sanitized as shipped by CodeT): <c>task_id, prompt,
/// canonical_solution, test, entry_point</c>. The hidden test is the dataset's <c>check(candidate)</c> program.
/// </summary>
public static class HumanEvalLoader
{
    /// <param name="path">The problems file.</param>
    /// <param name="dataset">Name recorded on each problem.</param>
    /// <param name="testGenerationPromptsPath">Optional CodeT test-generation prompts, keyed by task id, exposed as <c>Extra["test_prompt"]</c>.</param>
    /// <param name="promptsWithExamplesPath">Optional file whose prompts keep the docstring examples, exposed as <c>Extra["prompt_with_examples"]</c>; its examples become visible tests.</param>
    public static IReadOnlyList<Problem> Load(string path, string dataset, string? testGenerationPromptsPath = null, string? promptsWithExamplesPath = null)
    {
        var testPrompts = testGenerationPromptsPath is null ? null : ReadPrompts(testGenerationPromptsPath);
        var withExamples = promptsWithExamplesPath is null ? null : ReadPrompts(promptsWithExamplesPath);
        var problems = new List<Problem>();
        foreach (var (line, e) in JsonLines.Read(path))
        {
            var id = e.RequiredString("task_id", path, line);
            var prompt = e.RequiredString("prompt", path, line);
            var entry = e.RequiredString("entry_point", path, line);
            var test = e.RequiredString("test", path, line);
            var extra = ImmutableDictionary.CreateBuilder<string, string>();
            if (testPrompts is not null && testPrompts.TryGetValue(id, out var tp)) extra["test_prompt"] = tp;
            var visible = ImmutableArray<TestSpec>.Empty;
            if (withExamples is not null && withExamples.TryGetValue(id, out var we))
            {
                extra["prompt_with_examples"] = we;
                visible = DocstringExamples.Extract(we, entry);
            }
            else if (withExamples is null)
            {
                visible = DocstringExamples.Extract(prompt, entry);
            }
            problems.Add(new Problem
            {
                Id = id,
                Dataset = dataset,
                Prompt = prompt,
                EntryPoint = entry,
                CanonicalSolution = e.OptionalString("canonical_solution"),
                Hidden = [new CheckTest(test, entry)],
                Visible = visible,
                Extra = extra.ToImmutable(),
            });
        }
        return problems;
    }

    private static Dictionary<string, string> ReadPrompts(string path) =>
        JsonLines.Read(path).ToDictionary(x => x.Value.RequiredString("task_id", path, x.Line), x => x.Value.RequiredString("prompt", path, x.Line), StringComparer.Ordinal);
}
