using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>
/// Merges the populations of several models or prompts (connect their branches to it: the engine joins them in
/// connection order), removes duplicate programs and, when asked, votes: programs are run on probe inputs and grouped
/// by the outputs they give; the largest group of agreeing programs comes first (as in self-consistency and
/// AlphaCode's clustering).
/// </summary>
[Activity("Seidr", "Ensemble", Category = "Selection", Spends = false, DisplayName = "Ensemble", Description = "Merges programs from several models or prompts, drops duplicates, and optionally orders them by output agreement (votes).")]
public sealed class Ensemble : Activity
{
    /// <summary>
    /// The programs (by votes when voting, else in arrival order) with the other candidates passed along.
    /// </summary>
    [Outcome(Description = "The programs (by votes when voting, else in arrival order) with the other candidates passed along.")]
    public const string Done = Ports.Done;

    /// <summary>No program arrived: the input, unchanged.</summary>
    [Outcome(Description = "No program arrived: the input, unchanged.")]
    public const string Empty = "Empty";

    /// <summary>
    /// Order programs by output agreement: run each on the probes and put the largest group of programs that give the
    /// same outputs first.
    /// </summary>
    [Input(Description = "Order programs by output agreement: run each on the probes and put the largest group of programs that give the same outputs first.", Order = 0)]
    public bool Vote { get; set; }

    /// <summary>
    /// Python expressions to compare programs on (e.g. 'solution()'); empty: the entry-point calls in the visible tests
    /// and generated test sets, or their stdin inputs.
    /// </summary>
    [Input(Description = "Python expressions to compare programs on (e.g. 'solution()'); empty: the entry-point calls in the visible tests and generated test sets, or their stdin inputs.", Order = 1)]
    public string Probes { get; set; } = "";

    /// <summary>Keep one copy of identical programs (their copies still count as votes).</summary>
    [Input(Description = "Keep one copy of identical programs (their copies still count as votes).", Order = 2)]
    public bool Dedupe { get; set; } = true;

    /// <summary>Keep at most this many programs (0: all).</summary>
    [Input(Description = "Keep at most this many programs (0: all).", Min = 0, Order = 3)]
    public int Top { get; set; }

    /// <summary>Time limit of each probe in milliseconds.</summary>
    [Input(Description = "Time limit of each probe in milliseconds.", Min = 1, Order = 4)]
    public int TimeoutMs { get; set; } = 1000;

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var programs = context.Input.Programs.Select(p => p.WithTag("source", Source(p))).ToList();
        if (programs.Count == 0) return ActivityResult.Of(Empty, context.Input);
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program).ToList();

        var ordered = programs;
        if (Vote)
        {
            var probes = ProbeTests(context);
            if (probes.Count > 0) ordered = await VoteAsync(context, programs, probes);
        }
        if (Dedupe)
        {
            var copies = programs.GroupBy(p => p.Content, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            ordered = ordered.DistinctBy(p => p.Content, StringComparer.Ordinal)
                .Select(p => p.WithTag("copies", copies[p.Content].ToString(CultureInfo.InvariantCulture))).ToList();
        }
        if (Top > 0) ordered = ordered.Take(Top).ToList();
        return ActivityResult.Of(Done, ordered.Concat(others));
    }

    private static string Source(Candidate p) => $"{p.Model ?? "?"}/{p.Prompt ?? "?"}";

    private IReadOnlyList<TestSpec> ProbeTests(ActivityContext context)
    {
        var given = Probes.Split(['\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var cpp = Languages.Of(context.Problem) == ProgramLanguage.Cpp;
        if (given.Length > 0) return Support.Probes.AsTests(given, [], cpp);
        var tests = context.Problem.Visible.Concat(Execute.GeneratedTests(context.Input)).ToList();
        return Support.Probes.AsTests(Support.Probes.CallsIn(tests, context.Problem.EntryPoint), Support.Probes.InputsIn(tests), cpp);
    }

    private async Task<List<Candidate>> VoteAsync(ActivityContext context, List<Candidate> programs, IReadOnlyList<TestSpec> probes)
    {
        var runner = context.GetRequiredService<SandboxRunner>();
        var outputs = new ConcurrentDictionary<string, Task<string?>>(StringComparer.Ordinal);
        var signatures = await Task.WhenAll(programs.Select(p => outputs.GetOrAdd(p.Content, source => context.RunLimitedAsync(async ct =>
        {
            var report = await runner.RunTestsAsync(new TestRunRequest(Languages.Of(context.Problem), source, probes)
            {
                EntryPoint = context.Problem.EntryPoint,
                TestTimeout = TimeSpan.FromMilliseconds(TimeoutMs),
                Limits = ExecutionLimits.Default with { WallTimeout = TimeSpan.FromMilliseconds(Math.Max(10_000, TimeoutMs * 4)) },
            }, ct);
            return Signature(report);
        }))));

        // Groups of agreeing programs, biggest first (copies count), ties by first appearance; programs whose every
        // probe crashed agree on nothing and come last.
        var groups = programs.Select((p, i) => (Program: p, Signature: signatures[i], Index: i))
            .GroupBy(x => x.Signature ?? $"\u0001none:{x.Index}", StringComparer.Ordinal)
            .OrderBy(g => g.First().Signature is null ? 1 : 0)
            .ThenByDescending(g => g.Count())
            .ThenBy(g => g.First().Index)
            .ToList();
        return groups.SelectMany((g, rank) => g.Select(x => context.Scored(x.Program
                .WithTag("votes", (x.Signature is null ? 0 : g.Count()).ToString(CultureInfo.InvariantCulture))
                .WithTag("cluster", rank.ToString(CultureInfo.InvariantCulture)))))
            .ToList();
    }

    /// <summary>The program's outputs on the probes, or null when no probe gave an output (every one crashed or timed out).</summary>
    private static string? Signature(TestReport report)
    {
        var text = new StringBuilder();
        bool any = false;
        foreach (var o in report.Outcomes)
        {
            if (o.Status == TestStatus.Failed && o.Actual is not null)
            {
                any = true;
                text.Append("=").Append(string.Join("\n", o.Actual.Trim().Split('\n').Select(l => l.TrimEnd())));
            }
            else text.Append('!').Append(o.Status);
            text.Append('\u0002');
        }
        return any ? text.ToString() : null;
    }
}
