using Seidr.Workflows.Catalog;

namespace Seidr.Workflows.Engine;

/// <summary>
/// Ends a flow: the programs that arrive, in order, are what the flow submits for scoring on the hidden tests
/// (pass@k takes them as its n samples). The first submission of a flow counts.
/// </summary>
[Activity("Seidr", "Submit", Category = "Flow", Spends = false, DisplayName = "Submit", Description = "The programs that reach it, best first, are the flow's answer; they are scored on the hidden tests.")]
public sealed class Submit : Activity
{
    /// <summary>The submitted programs, for a stage that reports on them.</summary>
    [Outcome(Description = "The submitted programs.")]
    public const string Done = Ports.Done;

    /// <summary>Most programs submitted, the first that arrive (0: all); a flow that submits fewer than k leaves pass@k out of the metrics.</summary>
    [Input(Description = "Submit at most this many programs (0: all that arrive).", Min = 0)]
    public int Top { get; set; }

    /// <summary>Whether the rest of the flow is stopped once this submits, so it spends no more budget.</summary>
    [Input(Description = "Stop the rest of the flow once something is submitted.")]
    public bool Stop { get; set; } = true;

    /// <summary>Hands the programs of the input, at most <see cref="Top"/>, to the engine as the flow's answer.</summary>
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var programs = context.Input.Programs;
        if (Top > 0) programs = programs.Take(Top).ToArray();
        context.SubmitPrograms(programs, Stop);
        return Task.FromResult(ActivityResult.Of(Done, programs));
    }
}
