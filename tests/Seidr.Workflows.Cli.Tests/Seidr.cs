using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace Seidr.Workflows.Cli.Tests;

/// <summary>Runs the real <c>seidr</c> CLI as a child process.</summary>
public static class Seidr
{
    public static string RepoRoot { get; } = global::Seidr.Workflows.Tests.RepoRoot.Path;
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "seidr.dll");

    public static async Task<BufferedCommandResult> RunAsync(string[] args, string? workingDirectory = null, CancellationToken ct = default) =>
        await Command(args, workingDirectory).ExecuteBufferedAsync(Encoding.UTF8, ct);

    /// <param name="signals">Signal dispositions the child starts with whatever this process has, as coreutils'
    /// <c>env</c> sets them before it execs dotnet (same pid): e.g. <c>--default-signal=INT</c>, <c>--ignore-signal=INT</c>.</param>
    public static Command Command(string[] args, string? workingDirectory = null, string? signals = null) =>
        (signals is not null
            ? CliWrap.Cli.Wrap("env").WithArguments([signals, "dotnet", "exec", Dll, .. args])
            : CliWrap.Cli.Wrap("dotnet").WithArguments(["exec", Dll, .. args]))
            .WithWorkingDirectory(workingDirectory ?? RepoRoot)
            .WithEnvironmentVariables(e => e.Set("NO_COLOR", "1").Set("DOTNET_NOLOGO", "1"))
            .WithValidation(CommandResultValidation.None);

    /// <summary>Names (e.g. <c>INT</c>) of the signals a live process ignores, from <c>/proc/PID/status</c>.</summary>
    public static IReadOnlyList<string> IgnoredSignals(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        string[] names = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM"];
        return names.Where((_, i) => (mask & (1UL << i)) != 0).ToList();
    }

    public static string Path_(params string[] parts) => System.IO.Path.Combine([RepoRoot, .. parts]);
}
