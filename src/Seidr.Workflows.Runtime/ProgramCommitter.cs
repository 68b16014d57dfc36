using System.Diagnostics;
using System.Globalization;
using System.Text;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Runtime;

/// <summary>
/// Keeps programs in git, as SEIDR did: each problem's best program per variant is written to
/// <c>DIR/{variant}/{problem}.py</c> and committed with a message carrying its score. Idempotent: a program that is
/// already committed as it is makes no new commit, so a resumed run commits only what is new.
/// </summary>
public static class ProgramCommitter
{
    /// <summary>Commits the best program of every flow; returns how many commits were made.</summary>
    public static int Commit(string directory, string runId, RunResult run)
    {
        Directory.CreateDirectory(directory);
        if (!Directory.Exists(Path.Combine(directory, ".git"))) Git(directory, "init", "-q");
        int commits = 0;
        foreach (var variant in run.Variants)
            foreach (var flow in variant.Flows)
            {
                if (flow.Submission.IsEmpty) continue;
                var best = flow.Submission[0];
                var ext = best.Tags.GetValueOrDefault("language") is "cpp" or "c++" ? ".cpp" : ".py";
                var relative = Path.Combine(Safe(variant.Variant.Id), Safe(flow.Key.ProblemId) + ext);
                var file = Path.Combine(directory, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, best.Content.EndsWith('\n') ? best.Content : best.Content + "\n");
                Git(directory, "add", "--", relative);
                if (Git(directory, "diff", "--cached", "--quiet", "--", relative, allowFailure: true) == 0) continue; // unchanged
                var score = best.Score is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "none";
                var hidden = flow.Hidden.IsEmpty ? "" : flow.Hidden[0].Passed ? ", hidden tests passed" : ", hidden tests failed";
                var message = $"{flow.Key.ProblemId} [{variant.Variant.Id}]: score {score}{hidden}\n\nrun {runId}, candidate {best.Id}, stage {best.Stage}, generation {best.Generation}, status {flow.Status}";
                Git(directory, "-c", "user.name=seidr", "-c", "user.email=seidr@localhost", "commit", "-q", "-m", message, "--", relative);
                commits++;
            }
        return commits;
    }

    private static string Safe(string id)
    {
        var sb = new StringBuilder(id.Length);
        foreach (var c in id) sb.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '=' or ',' ? c : '_');
        return sb.ToString();
    }

    private static int Git(string dir, params string[] args) => Git(dir, args, false);

    private static int Git(string dir, string a, string b, string c, string d, string e, bool allowFailure) => Git(dir, [a, b, c, d, e], allowFailure);

    private static int Git(string dir, string[] args, bool allowFailure)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new IOException("cannot start git");
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && !allowFailure) throw new IOException($"git {string.Join(' ', args)} failed in {dir}: {err.Result.Trim()}");
        return p.ExitCode;
    }
}
