using System.Collections.Immutable;
using Seidr.Workflows.Datasets.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// Resolves a workflow's <c>dataset:</c> to problems: a built-in name (humaneval, humaneval-no-examples, mbpp,
/// gsm8k) read from the data folder, or a path (relative to the workflow) to a problem file of one's own.
/// </summary>
public sealed class DatasetCatalog(string dataDirectory)
{
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>Built-in dataset names and what they are.</summary>
    public static ImmutableSortedDictionary<string, string> BuiltIn { get; } = new Dictionary<string, string>
    {
        ["humaneval"] = "HumanEval, 164 problems, prompts with their docstring examples (examples are the visible tests)",
        ["humaneval-no-examples"] = "HumanEval as CodeT used it: prompts without docstring examples; the examples stay available as visible tests and prompt_with_examples",
        ["mbpp"] = "MBPP sanitized, 427 problems in HumanEval form (the first assert is visible, all are hidden)",
        ["gsm8k"] = "GSM8K test set, 1,319 math word problems solved as programs: solution() returns the answer",
    }.ToImmutableSortedDictionary();

    /// <summary>Null when the dataset can be loaded, else why not.</summary>
    public string? Check(string dataset, string baseDirectory)
    {
        if (BuiltIn.ContainsKey(dataset))
        {
            var missing = FilesOf(dataset).FirstOrDefault(f => !File.Exists(f));
            return missing is null ? null : $"dataset '{dataset}' needs {missing}, which does not exist (set SEIDR_DATA or Seidr:Data:Directory to the data folder)";
        }
        var path = Path.GetFullPath(Path.Combine(baseDirectory, dataset));
        if (File.Exists(path) || Directory.Exists(path)) return ProblemFileLoader.CanLoad(path) ? null : $"'{dataset}' is not a problem file this version reads (.yaml, .yml, .jsonl, .jsonl.gz, or a PSB2 folder)";
        return $"unknown dataset '{dataset}': use one of {string.Join(", ", BuiltIn.Keys)} or a path to a problem file (no file at {path})";
    }

    public IReadOnlyList<Problem> Load(string dataset, string baseDirectory)
    {
        var he = Path.Combine(DataDirectory, "humaneval");
        return dataset switch
        {
            "humaneval" => HumanEvalLoader.Load(Path.Combine(he, "HumanEval.jsonl.gz"), "humaneval", Path.Combine(he, "HumanEval_test_generation_prompts.jsonl.gz")),
            "humaneval-no-examples" => HumanEvalLoader.Load(Path.Combine(he, "HumanEval_no_examples.jsonl.gz"), "humaneval-no-examples",
                Path.Combine(he, "HumanEval_test_generation_prompts.jsonl.gz"), Path.Combine(he, "HumanEval.jsonl.gz")),
            "mbpp" => MbppLoader.Load(Path.Combine(DataDirectory, "mbpp", "mbpp_sanitized.jsonl.gz")),
            "gsm8k" => Gsm8kLoader.Load(Path.Combine(DataDirectory, "gsm8k", "test.jsonl.gz")),
            _ => ProblemFileLoader.Load(Path.GetFullPath(Path.Combine(baseDirectory, dataset))),
        };
    }

    private IEnumerable<string> FilesOf(string dataset) => dataset switch
    {
        "humaneval" => [Path.Combine(DataDirectory, "humaneval", "HumanEval.jsonl.gz")],
        "humaneval-no-examples" => [Path.Combine(DataDirectory, "humaneval", "HumanEval_no_examples.jsonl.gz"), Path.Combine(DataDirectory, "humaneval", "HumanEval.jsonl.gz")],
        "mbpp" => [Path.Combine(DataDirectory, "mbpp", "mbpp_sanitized.jsonl.gz")],
        "gsm8k" => [Path.Combine(DataDirectory, "gsm8k", "test.jsonl.gz")],
        _ => [],
    };

    /// <summary>
    /// The data folder: <c>SEIDR_DATA</c>, else the configured one, else <c>../shared/data</c> beside the repository
    /// that holds <paramref name="startDirectory"/>, else <c>data/</c> in it.
    /// </summary>
    public static string ResolveDataDirectory(string startDirectory, string? configured = null)
    {
        if (Environment.GetEnvironmentVariable("SEIDR_DATA") is { Length: > 0 } env) return Path.GetFullPath(env);
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured, startDirectory);
        for (var dir = new DirectoryInfo(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            var shared = Path.Combine(dir.FullName, "..", "shared", "data");
            if (File.Exists(Path.Combine(dir.FullName, "Seidr.Workflows.sln")) || Directory.Exists(Path.Combine(dir.FullName, ".git")))
                return Directory.Exists(shared) ? Path.GetFullPath(shared) : Path.Combine(dir.FullName, "data");
        }
        return Path.GetFullPath(Path.Combine(startDirectory, "data"));
    }
}
