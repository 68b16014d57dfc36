using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace Seidr.Workflows.Cli.Tests;

/// <summary>Runs the real <c>seidr</c> CLI as a child process.</summary>
public static class Seidr
{
    public static string RepoRoot { get; } = FindRoot();
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "seidr.dll");

    public static async Task<BufferedCommandResult> RunAsync(string[] args, string? workingDirectory = null, CancellationToken ct = default) =>
        await Command(args, workingDirectory).ExecuteBufferedAsync(Encoding.UTF8, ct);

    public static Command Command(string[] args, string? workingDirectory = null) =>
        CliWrap.Cli.Wrap("dotnet").WithArguments(["exec", Dll, .. args])
            .WithWorkingDirectory(workingDirectory ?? RepoRoot)
            .WithEnvironmentVariables(e => e.Set("NO_COLOR", "1").Set("DOTNET_NOLOGO", "1"))
            .WithValidation(CommandResultValidation.None);

    public static string Path_(params string[] parts) => System.IO.Path.Combine([RepoRoot, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Seidr.Workflows.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
