using System.Collections.Immutable;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// Resolves a workflow's <c>dataset:</c> to problems: a built-in name (humaneval, humaneval-no-examples, mbpp,
/// gsm8k) read from the data folder, or a path (relative to the workflow) to a problem file of one's own.
/// </summary>
/// <param name="dataDirectory">The folder holding the built-in datasets (<c>data/</c> in the repository).</param>
public sealed class DatasetCatalog(string dataDirectory)
{
    /// <summary>The folder the built-in datasets are read from; the PSB2 task list lives there too.</summary>
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
        if (File.Exists(path) || Directory.Exists(path)) return ProblemFileLoader.CanLoad(path) ? null : $"'{dataset}' is not a problem file this version reads (.yaml, .yml, .jsonl, .jsonl.gz: HumanEval or CodeContests records, or a PSB2 folder)";
        return $"unknown dataset '{dataset}': use one of {string.Join(", ", BuiltIn.Keys)} or a path to a problem file (no file at {path})";
    }

    /// <summary>
    /// The problems of <paramref name="dataset"/>. PSB2 folders take <paramref name="psb2Split"/> (which cases are
    /// visible and hidden) and the descriptions in the data folder's <c>psb2/tasks.txt</c> for folders without one.
    /// </summary>
    public IReadOnlyList<Problem> Load(string dataset, string baseDirectory, Psb2Split? psb2Split = null)
    {
        var he = Path.Combine(DataDirectory, "humaneval");
        return dataset switch
        {
            "humaneval" => HumanEvalLoader.Load(Path.Combine(he, "HumanEval.jsonl.gz"), "humaneval", Path.Combine(he, "HumanEval_test_generation_prompts.jsonl.gz")),
            "humaneval-no-examples" => HumanEvalLoader.Load(Path.Combine(he, "HumanEval_no_examples.jsonl.gz"), "humaneval-no-examples",
                Path.Combine(he, "HumanEval_test_generation_prompts.jsonl.gz"), Path.Combine(he, "HumanEval.jsonl.gz")),
            "mbpp" => MbppLoader.Load(Path.Combine(DataDirectory, "mbpp", "mbpp_sanitized.jsonl.gz")),
            "gsm8k" => Gsm8kLoader.Load(Path.Combine(DataDirectory, "gsm8k", "test.jsonl.gz")),
            _ => ProblemFileLoader.Load(Path.GetFullPath(Path.Combine(baseDirectory, dataset)), psb2Split, Psb2TasksFile),
        };
    }

    /// <summary>PSB2's 25 problem descriptions (from SEIDR's psb2-meta/tasks.txt, MIT), in the data folder.</summary>
    public string Psb2TasksFile => Path.Combine(DataDirectory, "psb2", "tasks.txt");

    private IEnumerable<string> FilesOf(string dataset) => dataset switch
    {
        "humaneval" => [Path.Combine(DataDirectory, "humaneval", "HumanEval.jsonl.gz")],
        "humaneval-no-examples" => [Path.Combine(DataDirectory, "humaneval", "HumanEval_no_examples.jsonl.gz"), Path.Combine(DataDirectory, "humaneval", "HumanEval.jsonl.gz")],
        "mbpp" => [Path.Combine(DataDirectory, "mbpp", "mbpp_sanitized.jsonl.gz")],
        "gsm8k" => [Path.Combine(DataDirectory, "gsm8k", "test.jsonl.gz")],
        _ => [],
    };

    /// <summary>
    /// The data folder: <c>SEIDR_DATA</c>, else the configured one (relative to <paramref name="startDirectory"/>), else
    /// <c>data/</c> of the repository that holds <paramref name="startDirectory"/>: the nearest folder above it that holds
    /// <c>Seidr.Workflows.sln</c> or a <c>data/humaneval</c> folder (the data ships with the project). When neither is
    /// found, <c>data/</c> under the start directory, so that <see cref="Check"/> names the missing file.
    /// </summary>
    public static string ResolveDataDirectory(string startDirectory, string? configured = null)
    {
        if (Environment.GetEnvironmentVariable("SEIDR_DATA") is { Length: > 0 } env) return Path.GetFullPath(env);
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured, Path.GetFullPath(startDirectory));
        return FindRepositoryData(startDirectory) ?? Path.GetFullPath(Path.Combine(startDirectory, "data"));
    }

    /// <summary>
    /// The data folder for tools that run from anywhere in the repository (<c>seidr eval</c>, benchmarks): <c>SEIDR_DATA</c>,
    /// else the repository's <c>data/</c> found above the current directory, else above the application's base
    /// directory; null when none is found.
    /// </summary>
    public static string? FindDataDirectory()
    {
        if (Environment.GetEnvironmentVariable("SEIDR_DATA") is { Length: > 0 } env) return Path.GetFullPath(env);
        return FindRepositoryData(Directory.GetCurrentDirectory()) ?? FindRepositoryData(AppContext.BaseDirectory);
    }

    private static string? FindRepositoryData(string startDirectory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            var data = Path.Combine(dir.FullName, "data");
            if (File.Exists(Path.Combine(dir.FullName, "Seidr.Workflows.sln")) || Directory.Exists(Path.Combine(data, "humaneval")))
                return data;
        }
        return null;
    }
}
