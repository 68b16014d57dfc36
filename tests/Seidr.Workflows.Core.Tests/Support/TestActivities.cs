using System.Collections.Concurrent;
using System.Globalization;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Core.Tests.Support;

/// <summary>Instant activities for engine tests: programs are integers, "improving" adds one, a program passes when it reaches a target.</summary>
[Activity("Test", "Emit", Category = "Test")]
[Outcome("Done")]
public sealed class Emit : Activity
{
    [Input] public int Count { get; set; } = 1;
    [Input] public int Start { get; set; }
    [Input(Reference = InputReference.Model)] public string Model { get; set; } = "";
    [Input(Reference = InputReference.Prompt)] public string Prompt { get; set; } = "";

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var made = Enumerable.Range(0, Count).Select(i => context.Create(CandidateKinds.Program, (Start + i).ToString(CultureInfo.InvariantCulture), model: Model)).ToList();
        context.RecordModelCall(new ModelUsage(Model, 1, 10, 5 * Count, 0.001m, TimeSpan.Zero, false));
        return Task.FromResult(ActivityResult.Of("Done", made));
    }
}

[Activity("Test", "Improve", Category = "Test")]
[Outcome("Done")]
public sealed class Improve : Activity
{
    public static readonly ConcurrentDictionary<string, int[]> InFlight = new();

    [Input] public int Step { get; set; } = 1;
    [Input] public int DelayMs { get; set; }
    [Input] public int Children { get; set; } = 1;

    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var counters = InFlight.GetOrAdd(context.RunId, _ => new int[2]);
        var parents = context.Input.Programs;
        var jobs = parents.SelectMany(p => Enumerable.Range(0, Children).Select(c => (Parent: p, Child: c))).ToList();
        var children = await context.ForEachAsync(jobs, async (job, index, ct) =>
        {
            var now = Interlocked.Increment(ref counters[0]);
            lock (counters) counters[1] = Math.Max(counters[1], now);
            try
            {
                if (DelayMs > 0) await Task.Delay(DelayMs, ct);
                var value = int.Parse(job.Parent.Content, CultureInfo.InvariantCulture) + Step * (job.Child + 1) + context.RandomFor(index.ToString()).Next(0, 1);
                context.RecordModelCall(new ModelUsage("test", 1, 20, 10, 0.002m, TimeSpan.Zero, false));
                return context.Create(CandidateKinds.Program, value.ToString(CultureInfo.InvariantCulture), job.Parent, key: index.ToString(CultureInfo.InvariantCulture));
            }
            finally { Interlocked.Decrement(ref counters[0]); }
        });
        return ActivityResult.Of("Done", children);
    }
}

[Activity("Test", "Check", Category = "Test", Spends = false)]
[Outcome("Solved")]
[Outcome("Failed")]
[Outcome("Exhausted")]
public sealed class Check : Activity
{
    [Input(Required = true)] public int Target { get; set; }
    [Input] public int BeamWidth { get; set; } = 2;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var scored = context.Input.Programs
            .Select(p => context.Scored(p with
            {
                Score = int.Parse(p.Content, CultureInfo.InvariantCulture) >= Target ? 1.0 : int.Parse(p.Content, CultureInfo.InvariantCulture) / (double)Target,
                Results = [new TestResult($">= {Target}", int.Parse(p.Content, CultureInfo.InvariantCulture) >= Target ? TestStatus.Passed : TestStatus.Failed)],
            }))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
        var solved = scored.Where(p => p.PassedAll).ToList();
        return Task.FromResult(solved.Count > 0 ? ActivityResult.Of("Solved", solved)
            : context.Budget.IsExhausted ? ActivityResult.Of("Exhausted", scored.Take(BeamWidth))
            : ActivityResult.Of("Failed", scored.Take(BeamWidth)));
    }
}

/// <summary>Tags every candidate with the activity that passed it on: shows join order.</summary>
[Activity("Test", "Tag", Category = "Test", Spends = false)]
[Outcome("Done")]
public sealed class Tag : Activity
{
    [Input] public string Label { get; set; } = "";
    [Input] public int DelayMs { get; set; }

    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (DelayMs > 0) await Task.Delay(DelayMs, context.CancellationToken);
        return ActivityResult.Of("Done", context.Input.Select(c => c.WithTag("via", Label + (c.Tags.GetValueOrDefault("via") is { } v ? "," + v : ""))));
    }
}

[Activity("Test", "Fail", Category = "Test")]
public sealed class Fail : Activity
{
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) => throw new InvalidOperationException("boom");
}

/// <summary>Emits on a port it does not declare: the engine must fail the flow, not drop the population.</summary>
[Activity("Test", "Stray", Category = "Test", Spends = false)]
public sealed class Stray : Activity
{
    [Outcome] public const string Done = Ports.Done;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) =>
        Task.FromResult(ActivityResult.Of(Done, context.Input).And("Elsewhere", context.Input));
}
