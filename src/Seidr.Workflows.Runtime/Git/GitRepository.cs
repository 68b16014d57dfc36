using CliWrap;
using CliWrap.Buffered;

namespace Seidr.Workflows.Runtime.Git;

/// <summary>Who commits programs: <c>GIT_USER</c> and <c>GIT_EMAIL</c> (SEIDR's variables), else seidr / seidr@localhost.</summary>
internal sealed record GitIdentity(string Name, string Email)
{
    public static GitIdentity FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        return new GitIdentity(env("GIT_USER") is { Length: > 0 } n ? n : "seidr", env("GIT_EMAIL") is { Length: > 0 } e ? e : "seidr@localhost");
    }
}

/// <summary>
/// The <c>git</c> command line in one working folder, through CliWrap (arguments passed as a list, never through a
/// shell; output buffered; exit codes checked here). A failing command is an <see cref="IOException"/> naming the
/// command, the folder and git's own message.
/// </summary>
internal sealed class GitRepository(string directory, GitIdentity identity)
{
    public string Directory { get; } = Path.GetFullPath(directory);
    public GitIdentity Identity { get; } = identity;

    /// <summary>Runs <c>git ARGS</c>; throws on a non-zero exit unless <paramref name="allowFailure"/>.</summary>
    public async Task<BufferedCommandResult> RunAsync(IReadOnlyList<string> args, bool allowFailure = false, CancellationToken cancellationToken = default)
    {
        // The identity is given per command (-c), so the user's or the machine's git config is neither needed nor changed.
        var result = await Cli.Wrap("git")
            .WithArguments(["-c", $"user.name={Identity.Name}", "-c", $"user.email={Identity.Email}", .. args])
            .WithWorkingDirectory(Directory)
            // No terminal prompt for credentials on a push: a remote that needs them fails with git's message instead of hanging.
            .WithEnvironmentVariables(e => e.Set("GIT_TERMINAL_PROMPT", "0"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 && !allowFailure)
            throw new IOException($"git {string.Join(' ', args)} failed in {Directory} (exit {result.ExitCode}): {(result.StandardError + result.StandardOutput).Trim()}");
        return result;
    }

    /// <summary>Standard output of <c>git ARGS</c>, or null when it fails or git is missing (for optional facts such as the commit of a file).</summary>
    public static async Task<string?> TryOutputAsync(string directory, IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        try
        {
            var r = await Cli.Wrap("git").WithArguments(args).WithWorkingDirectory(directory)
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken).ConfigureAwait(false);
            return r.ExitCode == 0 ? r.StandardOutput : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null; // no git on this machine
        }
    }

    /// <summary>Makes the folder a repository if it is not one, and checks out <paramref name="branch"/>: the local
    /// branch if it exists, else the remote's (a requeued task on another node continues it), else a new branch from
    /// the current commit (or an unborn one in an empty repository).</summary>
    public async Task CheckoutBranchAsync(string branch, string? remote, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (!System.IO.Directory.Exists(Path.Combine(Directory, ".git"))) await RunAsync(["init", "-q"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if ((await RunAsync(["rev-parse", "--verify", "-q", "refs/heads/" + branch], allowFailure: true, cancellationToken).ConfigureAwait(false)).ExitCode == 0)
        {
            await RunAsync(["checkout", "-q", branch], cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }
        if (remote is not null && (await RunAsync(["fetch", "-q", remote, $"refs/heads/{branch}"], allowFailure: true, cancellationToken).ConfigureAwait(false)).ExitCode == 0)
        {
            await RunAsync(["checkout", "-q", "-b", branch, "FETCH_HEAD"], cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }
        if ((await RunAsync(["rev-parse", "--verify", "-q", "HEAD"], allowFailure: true, cancellationToken).ConfigureAwait(false)).ExitCode == 0)
            await RunAsync(["checkout", "-q", "-b", branch], cancellationToken: cancellationToken).ConfigureAwait(false);
        else
            await RunAsync(["symbolic-ref", "HEAD", "refs/heads/" + branch], cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="relativePath"/> and commits it alone; false (no commit) when its content is already
    /// committed, unless <paramref name="always"/> (then the commit records the event with no change).</summary>
    public async Task<bool> CommitFileAsync(string relativePath, string content, string message, bool always = false, CancellationToken cancellationToken = default)
    {
        var file = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, content.EndsWith('\n') ? content : content + "\n", cancellationToken).ConfigureAwait(false);
        await RunAsync(["add", "--", relativePath], cancellationToken: cancellationToken).ConfigureAwait(false);
        if ((await RunAsync(["diff", "--cached", "--quiet", "--", relativePath], allowFailure: true, cancellationToken).ConfigureAwait(false)).ExitCode == 0)
        {
            if (!always) return false; // unchanged
            await RunAsync(["commit", "-q", "--allow-empty", "-m", message], cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        await RunAsync(["commit", "-q", "-m", message, "--", relativePath], cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The values of trailer <paramref name="key"/> in the commits of the current branch (none on an unborn branch).</summary>
    public async Task<IReadOnlySet<string>> TrailerValuesAsync(string key, CancellationToken cancellationToken = default)
    {
        var r = await RunAsync(["log", $"--format=%(trailers:key={key},valueonly,separator=%x0A)"], allowFailure: true, cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0) return new HashSet<string>(StringComparer.Ordinal); // no commit yet
        return r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Pushes <paramref name="branch"/> to <paramref name="remote"/> (a URL or a path).</summary>
    public Task PushAsync(string remote, string branch, CancellationToken cancellationToken = default) =>
        RunAsync(["push", "-q", remote, $"refs/heads/{branch}:refs/heads/{branch}"], cancellationToken: cancellationToken);
}
