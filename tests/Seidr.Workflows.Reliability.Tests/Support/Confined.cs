using System.Diagnostics;
using Seidr.Workflows.Persistence.Tests.Support;

namespace Seidr.Workflows.Reliability.Tests.Support;

/// <summary>
/// Runs the CLI in a private mount namespace (<c>unshare -m</c>) where the test mounts what it needs: a tiny tmpfs that
/// fills up (a full disk) or a read-only one (a folder nothing can be written to, even by root). Needs root or user
/// namespaces; <see cref="Available"/> says whether this machine has them.
/// </summary>
public static class Confined
{
    public static bool Available { get; } = Probe();

    /// <summary>
    /// Mounts a <paramref name="sizeKb"/> KB tmpfs at <paramref name="full"/> (then filled to its last
    /// <paramref name="freeKb"/> KB) and a read-only tmpfs at <paramref name="readOnly"/>, and runs <c>seidr args</c> there.
    /// </summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string full, string readOnly, int sizeKb, int freeKb, params string[] args)
    {
        Directory.CreateDirectory(full);
        Directory.CreateDirectory(readOnly);
        var script = $"mount -t tmpfs -o size={sizeKb}k tmpfs '{full}' && mount -t tmpfs -o ro tmpfs '{readOnly}' && " +
                     $"dd if=/dev/zero of='{full}/.fill' bs=1k count={Math.Max(0, sizeKb - freeKb)} 2>/dev/null; " +
                     $"exec dotnet exec '{SeidrProcess.Dll}' \"$@\"";
        var psi = new ProcessStartInfo("unshare") { WorkingDirectory = SeidrProcess.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[.. Prefix(), "sh", "-c", script, "seidr", .. args]) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    private static string[] Prefix() => Environment.UserName == "root" ? ["-m", "--propagation", "private"] : ["-r", "-m", "--propagation", "private"];

    private static bool Probe()
    {
        try
        {
            var psi = new ProcessStartInfo("unshare") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in (string[])[.. Prefix(), "sh", "-c", "mount -t tmpfs tmpfs /mnt && umount /mnt"]) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit(10_000);
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }
}
