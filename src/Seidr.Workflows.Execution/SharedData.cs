namespace Seidr.Workflows.Execution;

/// <summary>Finds the shared data folder: <c>../shared/data</c> beside the repository (the folder holding Seidr.Workflows.sln).</summary>
public static class SharedData
{
    /// <summary>The data folder, searched upwards from each start directory (default: the current directory and the app's base directory); null when not found.</summary>
    public static string? Find(params string[] startDirectories)
    {
        var starts = startDirectories.Length > 0 ? startDirectories : [Directory.GetCurrentDirectory(), AppContext.BaseDirectory];
        foreach (var start in starts)
        {
            for (var d = new DirectoryInfo(Path.GetFullPath(start)); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "Seidr.Workflows.sln")))
                {
                    var data = Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "data"));
                    if (Directory.Exists(data)) return data;
                }
            }
        }
        return null;
    }

    /// <summary>The HumanEval problems file in the shared data folder, or null.</summary>
    public static string? HumanEvalProblems(params string[] startDirectories) =>
        Find(startDirectories) is { } d && File.Exists(Path.Combine(d, "humaneval", "HumanEval.jsonl.gz")) ? Path.Combine(d, "humaneval", "HumanEval.jsonl.gz") : null;
}
