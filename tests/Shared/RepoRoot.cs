namespace Seidr.Workflows.Tests;

/// <summary>
/// The repository's root, the folder holding Seidr.Workflows.sln. Linked into every test project by
/// tests/Directory.Build.props, so that one finder serves them all.
/// </summary>
internal static class RepoRoot
{
    /// <summary>The root's full path.</summary>
    public static string Path { get; } = Find();

    /// <summary>A path under the root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    // The test assembly's folder comes first (a test run from a copied build still finds its clone); the source
    // file's compile-time folder is the fallback for runners that shadow-copy assemblies elsewhere.
    private static string Find([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(source) ?? "" })
            for (var dir = new DirectoryInfo(start); dir is not null && start.Length > 0; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Seidr.Workflows.sln"))) return dir.FullName;
        throw new InvalidOperationException("Seidr.Workflows.sln not found above " + AppContext.BaseDirectory);
    }
}
