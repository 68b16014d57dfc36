using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Samples.Stages;

/// <summary>
/// A researcher's stage, outside seidr: drops programs longer than a number of lines before they are executed (long
/// answers are often rambling ones), and counts how many it dropped per flow.
/// </summary>
[Activity("Lab", "MaxLines", Category = "Selection", Spends = false, DisplayName = "Max lines", Description = "Keeps the programs of at most max_lines non-blank lines; the other candidates pass along.")]
public sealed class MaxLines : Activity
{
    [Outcome(Description = "The programs short enough, with the input's other candidates.")]
    public const string Done = Ports.Done;

    [Outcome(Description = "No program was short enough: the input, unchanged.")]
    public const string Empty = "Empty";

    /// <summary>The measure (summed per flow, averaged in the summary) of the programs dropped.</summary>
    public const string DroppedMeasure = "programs_too_long";

    [Input(Description = "Most non-blank lines a program may have.", Min = 1)]
    public int MaxLineCount { get; set; } = 30;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var programs = context.Input.Programs;
        var kept = programs.Where(p => Lines(p.Content) <= MaxLineCount).ToList();
        context.AddMeasure(DroppedMeasure, programs.Count - kept.Count);
        if (kept.Count == 0) return Task.FromResult(ActivityResult.Of(Empty, context.Input));
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program);
        return Task.FromResult(ActivityResult.Of(Done, kept.Concat(others)));
    }

    /// <summary>Non-blank lines of a program.</summary>
    public static int Lines(string code) =>
        code.Split('\n').Count(line => !string.IsNullOrWhiteSpace(line));
}
