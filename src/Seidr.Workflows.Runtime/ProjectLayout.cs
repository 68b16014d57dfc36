using Microsoft.Extensions.Configuration;
using Seidr.Workflows.Datasets.Loading;

namespace Seidr.Workflows.Runtime;

/// <summary>
/// Where a workflow's surroundings are: the project root (the nearest folder above the workflow holding
/// <c>appsettings.json</c>, <c>prompts/</c> or <c>.git</c>), its prompts folder, its configuration and the data folder.
/// </summary>
public sealed record ProjectLayout(string Root, string PromptsDirectory, string DataDirectory, IConfiguration Configuration)
{
    internal const string UserSecretsId = "seidr-workflows";

    /// <summary>The layout around <paramref name="workflowPath"/>; <paramref name="configuration"/> replaces the project's own (<see cref="LoadConfiguration"/>).</summary>
    public static ProjectLayout For(string workflowPath, IConfiguration? configuration = null)
    {
        var start = Path.GetDirectoryName(Path.GetFullPath(workflowPath)) ?? Directory.GetCurrentDirectory();
        var root = FindRoot(start) ?? FindRoot(Directory.GetCurrentDirectory()) ?? start;
        configuration ??= LoadConfiguration(root);
        var prompts = configuration["Seidr:Prompts:Directory"] is { Length: > 0 } p ? Path.GetFullPath(p, root) : Path.Combine(root, "prompts");
        var data = DatasetCatalog.ResolveDataDirectory(root, configuration["Seidr:Data:Directory"]);
        return new ProjectLayout(root, prompts, data, configuration);
    }

    /// <summary>appsettings.json of the project, then environment variables (<c>SEIDR__...</c> style with <c>__</c>), then user secrets.</summary>
    public static IConfiguration LoadConfiguration(string root) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(root, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddUserSecrets(UserSecretsId, reloadOnChange: false)
            .Build();

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "appsettings.json")) || Directory.Exists(Path.Combine(dir.FullName, "prompts")) || Directory.Exists(Path.Combine(dir.FullName, ".git")))
                return dir.FullName;
        return null;
    }
}
