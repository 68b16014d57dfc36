namespace Seidr.Workflows.Core.Tests.Support;

public static class Repo
{
    /// <summary>The repository root: the folder holding Seidr.Workflows.sln.</summary>
    public static string Root { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Seidr.Workflows.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Seidr.Workflows.sln not found above " + AppContext.BaseDirectory);
    }
}
