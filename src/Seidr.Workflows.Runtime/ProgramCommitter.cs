using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Runtime.Git;

namespace Seidr.Workflows.Runtime;

/// <summary>Where and how a run keeps its programs in git.</summary>
internal sealed record ProgramCommitOptions
{
    /// <summary>The git working folder (made a repository if it is not one).</summary>
    public required string Directory { get; init; }
    public required string RunId { get; init; }

    /// <summary>Every program as it is scored (SEIDR's way), not only each flow's best after the run.</summary>
    public bool Every { get; init; }

    /// <summary>Pushes the run's branch here (a URL or a path) when the run ends.</summary>
    public string? Remote { get; init; }

    /// <summary>A shard commits on a branch of its own (<c>seidr/RUN-shard-i-of-n</c>), so shards never race for one branch.</summary>
    public (int Index, int Count)? Shard { get; init; }
    public GitIdentity Identity { get; init; } = GitIdentity.FromEnvironment();
}

/// <summary>What <see cref="ProgramCommitter.FinishAsync"/> did.</summary>
public sealed record ProgramCommitResult(string Branch, int Commits, int Failed, string? FirstError, bool Pushed, string? PushError)
{
    /// <summary>One line for the user when something was not committed or pushed, else null.</summary>
    public string? Problem =>
        Failed > 0 ? $"{Failed} programs could not be committed to branch {Branch}: {FirstError}"
        : PushError is not null ? $"branch {Branch} could not be pushed: {PushError}"
        : null;
}

/// <summary>
/// Keeps programs in git, as SEIDR did. Each run commits on a branch of its own, <c>seidr/RUN_ID</c>, checked out in
/// the folder: each problem's program per variant is the file <c>{variant}/{problem}.py</c> (<c>.cpp</c> for C++),
/// and every commit message carries the score. With <see cref="ProgramCommitOptions.Every"/> each program is
/// committed as it is scored (the file's history is the search), through a queue so the engine never waits for git;
/// after the run each flow's best program is committed (when it is not already the file's content), and the branch
/// is pushed to the remote if one is given. A resumed or requeued run commits nothing twice: programs are
/// recognised by the <c>Seidr-Candidate</c> trailer of the branch's commits, best programs by an unchanged file.
/// </summary>
internal sealed class ProgramCommitter : IRunObserver, IAsyncDisposable
{
    private const string CandidateTrailer = "Seidr-Candidate";
    private readonly ProgramCommitOptions _options;
    private readonly GitRepository _git;
    private readonly IReadOnlySet<string> _committed;
    private readonly Channel<(FlowKey Flow, Candidate Program)> _queue = Channel.CreateUnbounded<(FlowKey, Candidate)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Task _worker;
    private int _commits, _failed;
    private string? _firstError;

    private ProgramCommitter(ProgramCommitOptions options, GitRepository git, string branch, IReadOnlySet<string> committed)
    {
        _options = options;
        _git = git;
        Branch = branch;
        _committed = committed;
        _worker = Task.Run(DrainAsync);
    }

    public string Branch { get; }

    /// <summary>The branch a run (or a shard of it) commits on.</summary>
    public static string BranchOf(string runId, (int Index, int Count)? shard) =>
        "seidr/" + Safe(runId) + (shard is { Count: > 1 } s ? $"-shard-{s.Index}-of-{s.Count}" : "");

    /// <summary>Opens the folder (init, checkout of the run's branch) before the run starts, so a bad folder fails early.</summary>
    public static async Task<ProgramCommitter> OpenAsync(ProgramCommitOptions options, CancellationToken cancellationToken = default)
    {
        var git = new GitRepository(options.Directory, options.Identity);
        var branch = BranchOf(options.RunId, options.Shard);
        await git.CheckoutBranchAsync(branch, options.Remote, cancellationToken).ConfigureAwait(false);
        var committed = options.Every ? await git.TrailerValuesAsync(CandidateTrailer, cancellationToken).ConfigureAwait(false) : new HashSet<string>();
        return new ProgramCommitter(options, git, branch, committed);
    }

    /// <summary>Takes each program's first score (with <see cref="ProgramCommitOptions.Every"/>); never blocks.</summary>
    public void OnEvent(RunEvent e)
    {
        if (!_options.Every || e is not CandidateScored { Candidate.Kind: CandidateKinds.Program } scored) return;
        lock (_seen)
            if (!_seen.Add(Key(scored.Flow, scored.Candidate))) return; // scored again later (another test set): committed once
        _queue.Writer.TryWrite((scored.Flow, scored.Candidate));
    }

    /// <summary>Commits what is queued, then each flow's best program, then pushes.</summary>
    public async Task<ProgramCommitResult> FinishAsync(RunResult run, CancellationToken cancellationToken = default)
    {
        _queue.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
        foreach (var variant in run.Variants)
            foreach (var flow in variant.Flows)
            {
                if (flow.Submission.IsEmpty) continue;
                var best = flow.Submission[0];
                var score = best.Score is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "none";
                var hidden = flow.Hidden.IsEmpty ? "" : flow.Hidden[0].Passed ? ", hidden tests passed" : ", hidden tests failed";
                var message = $"{flow.Key.ProblemId} [{variant.Variant.Id}]: score {score}{hidden}\n\n" +
                              $"run {_options.RunId}, candidate {best.Id}, stage {best.Stage}, generation {best.Generation}, status {flow.Status}";
                await CommitAsync(flow.Key, best, message, always: false, cancellationToken).ConfigureAwait(false);
            }
        string? pushError = null;
        if (_options.Remote is { } remote && _failed == 0)
        {
            try { await _git.PushAsync(remote, Branch, cancellationToken).ConfigureAwait(false); }
            catch (IOException e) { pushError = e.Message; }
        }
        return new ProgramCommitResult(Branch, _commits, _failed, _firstError, _options.Remote is not null && _failed == 0 && pushError is null, pushError);
    }

    private async Task DrainAsync()
    {
        await foreach (var (flow, program) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var key = Key(flow, program);
            if (_committed.Contains(key)) continue; // committed by an earlier session of this run
            var tests = program.Results.IsEmpty ? "" : $" ({program.Results.Count(r => r.Passed)}/{program.Results.Length} tests)";
            var score = program.Score is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "none";
            var message = $"{flow.ProblemId} [{flow.VariantId}] {program.Id}: score {score}{tests}\n\n" +
                          $"run {_options.RunId}, stage {program.Stage}, generation {program.Generation}" +
                          (program.ParentId is null ? "" : $", parent {program.ParentId}") +
                          (program.Model is null ? "" : $", model {program.Model}") +
                          $"\n\n{CandidateTrailer}: {key}";
            // A program identical to the file's last content is committed too (empty): every program is in the history.
            await CommitAsync(flow, program, message, always: true, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(FlowKey flow, Candidate program, string message, bool always, CancellationToken cancellationToken)
    {
        var ext = program.Tags.GetValueOrDefault("language") is "cpp" or "c++" ? ".cpp" : ".py";
        var relative = Path.Combine(Safe(flow.VariantId), Safe(flow.ProblemId) + ext);
        try
        {
            if (await _git.CommitFileAsync(relative, program.Content, message, always, cancellationToken).ConfigureAwait(false)) _commits++;
        }
        catch (IOException e)
        {
            // Counted and reported when the run ends (ProgramCommitResult.Problem): a git failure must not stop the run.
            _failed++;
            _firstError ??= e.Message;
        }
    }

    private static string Key(FlowKey flow, Candidate program) => $"{flow.VariantId}/{flow.ProblemId}/{program.Id}";

    private static string Safe(string id)
    {
        var sb = new StringBuilder(id.Length);
        foreach (var c in id) sb.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '=' or ',' ? c : '_');
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try { await _worker.ConfigureAwait(false); } catch (OperationCanceledException) { }
    }
}
