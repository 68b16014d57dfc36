using Seidr.Workflows.Datasets.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>Problem files a user writes. (Extended by the stage-library work: YAML problem files and PSB2 folders.)</summary>
public static class ProblemFileLoader
{
    public static bool CanLoad(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase);

    public static IReadOnlyList<Problem> Load(string path)
    {
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
            return HumanEvalLoader.Load(path, Path.GetFileNameWithoutExtension(path));
        throw new DatasetException(path, 0, "not a problem file this version reads (.jsonl in HumanEval form)");
    }
}
