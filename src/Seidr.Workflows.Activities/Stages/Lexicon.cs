using System.Globalization;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>
/// Asks a model for a symbolic lexicon of the problem (names, types, invariants, edge cases) before any code is
/// written. The lexicon is a candidate of kind <c>lexicon</c>; Draft and Sketch give it to their prompts.
/// </summary>
[Activity("Seidr", "Lexicon", Category = "Synthesis", DisplayName = "Lexicon", Description = "Asks a model for the problem's lexicon (names, types, invariants) that later prompts (sketch, draft) include.")]
public sealed class Lexicon : Activity
{
    /// <summary>The lexicon, with the input passed along.</summary>
    [Outcome(Description = "The lexicon, with the input passed along.")]
    public const string Done = Ports.Done;

    /// <summary>The model gave no usable answer: the input, unchanged (drafting can go on without a lexicon).</summary>
    [Outcome(Description = "The model gave no usable answer: the input, unchanged (drafting can go on without a lexicon).")]
    public const string Empty = "Empty";

    /// <summary>The budget was spent before asking: the input, unchanged.</summary>
    [Outcome(Description = "The budget was spent before asking: the input, unchanged.")]
    public const string Exhausted = Ports.Exhausted;

    /// <summary>The model that writes the lexicon.</summary>
    [Input(Required = true, Reference = InputReference.Model, Description = "The model that writes the lexicon.", Order = 0)]
    public string Model { get; set; } = "";

    /// <summary>Prompt file under prompts/ (variables: problem).</summary>
    [Input(Reference = InputReference.Prompt, Description = "Prompt file under prompts/ (variables: problem).", Order = 1)]
    public string Prompt { get; set; } = "lexicon";

    /// <summary>Index of the sample asked for.</summary>
    [Input(Description = "Index of the sample asked for.", Min = 0, Order = 2)]
    public int SampleOffset { get; set; }

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var made = await TextArtefact.AskAsync(context, CandidateKinds.Lexicon, Model, Prompt, ModelStage.ProblemVariables(context.Problem), 1, SampleOffset);
        return made.Count == 0
            ? ActivityResult.Of(Empty, context.Input)
            : ActivityResult.Of(Done, context.Input.Where(c => c.Kind != CandidateKinds.Lexicon).Concat(made));
    }
}

/// <summary>A stage's text artefact (lexicon, sketch): one candidate per non-blank answer, in sample order (<see cref="Answers"/>).</summary>
internal static class TextArtefact
{
    public static async Task<List<Candidate>> AskAsync(ActivityContext context, string kind, string model, string prompt,
        Dictionary<string, object?> variables, int samples, int sampleOffset, Candidate? parent = null)
    {
        var response = await ModelStage.CompleteAsync(context, model, prompt, variables, samples, sampleOffset + context.Iteration * samples);
        return Answers.ToCandidates(context, response, kind, s =>
            context.Create(kind, s.Text.Trim() + "\n", parent, model, prompt, key: s.Index.ToString(CultureInfo.InvariantCulture))
                .WithTag("sample", s.Index.ToString(CultureInfo.InvariantCulture)));
    }
}
