using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>
/// A solution sketch in the manner of Draft, Sketch, Prove (Jiang et al. 2023): before code is drafted, a model writes
/// the outline of a solution (steps, helper functions and their contracts, edge cases) that Draft's prompt tells the
/// model to follow. Uses the lexicon in the input when there is one.
/// </summary>
[Activity("Seidr", "Sketch", Category = "Synthesis", DisplayName = "Sketch", Description = "Asks a model for a solution sketch (steps, helpers, edge cases) that later drafts follow; uses the lexicon in the input when present.")]
public sealed class Sketch : Activity
{
    /// <summary>The sketch(es), with the input passed along.</summary>
    [Outcome(Description = "The sketch(es), with the input passed along.")]
    public const string Done = Ports.Done;

    /// <summary>The model gave no usable answer: the input, unchanged (drafting can go on without a sketch).</summary>
    [Outcome(Description = "The model gave no usable answer: the input, unchanged (drafting can go on without a sketch).")]
    public const string Empty = "Empty";

    /// <summary>The budget was spent before asking: the input, unchanged.</summary>
    [Outcome(Description = "The budget was spent before asking: the input, unchanged.")]
    public const string Exhausted = Ports.Exhausted;

    /// <summary>The model that writes the sketch.</summary>
    [Input(Required = true, Reference = InputReference.Model, Description = "The model that writes the sketch.", Order = 0)]
    public string Model { get; set; } = "";

    /// <summary>Prompt file under prompts/ (variables: problem, optional lexicon).</summary>
    [Input(Reference = InputReference.Prompt, Description = "Prompt file under prompts/ (variables: problem, optional lexicon).", Order = 1)]
    public string Prompt { get; set; } = "sketch";

    /// <summary>Sketches asked for (Draft follows the last one).</summary>
    [Input(Description = "Sketches asked for (Draft follows the last one).", Min = 1, Order = 2)]
    public int Samples { get; set; } = 1;

    /// <summary>Index of the first sample asked for.</summary>
    [Input(Description = "Index of the first sample asked for.", Min = 0, Order = 3)]
    public int SampleOffset { get; set; }

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var variables = ModelStage.ProblemVariables(context.Problem);
        var lexicon = context.Input.OfKind(CandidateKinds.Lexicon).LastOrDefault();
        variables["lexicon"] = lexicon?.Content;
        var made = await TextArtefact.AskAsync(context, CandidateKinds.Sketch, Model, Prompt, variables, Samples, SampleOffset, lexicon);
        return made.Count == 0
            ? ActivityResult.Of(Empty, context.Input)
            : ActivityResult.Of(Done, context.Input.Where(c => c.Kind != CandidateKinds.Sketch).Concat(made));
    }
}
