namespace Seidr.Workflows.Core.Tests.Support;

public static class Repo
{
    /// <summary>The repository root: the folder holding Seidr.Workflows.sln.</summary>
    public static string Root => global::Seidr.Workflows.Tests.RepoRoot.Path;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

}
