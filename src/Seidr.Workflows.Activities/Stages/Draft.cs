using System.Globalization;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>SEIDR's synthesize step: n programs for the problem from a prompt file and a model.</summary>
[Activity("Seidr", "Draft", Category = "Synthesis", DisplayName = "Draft", Description = "Asks a model for programs that solve the problem. Lexicon and sketch candidates in the input are given to the prompt.")]
public sealed class Draft : Activity
{
    /// <summary>The new programs, with the input's non-program candidates passed along.</summary>
    [Outcome(Description = "The new programs, with the input's non-program candidates passed along.")]
    public const string Done = Ports.Done;

    /// <summary>The budget was spent before drafting.</summary>
    [Outcome(Description = "The budget was spent before drafting.")]
    public const string Exhausted = Ports.Exhausted;

    /// <summary>The model that writes the programs (a name under experiment.models).</summary>
    [Input(Required = true, Reference = InputReference.Model, Description = "The model that writes the programs (a name under experiment.models).", Order = 0)]
    public string Model { get; set; } = "";

    /// <summary>Prompt file under prompts/ (without extension).</summary>
    [Input(Reference = InputReference.Prompt, Description = "Prompt file under prompts/ (without extension).", Order = 1)]
    public string Prompt { get; set; } = "draft";

    /// <summary>Programs asked for per problem (SEIDR's drafts per prompt).</summary>
    [Input(Description = "Programs asked for per problem (SEIDR's drafts per prompt).", Min = 1, Order = 2)]
    public int DraftsPerPrompt { get; set; } = 2;

    /// <summary>
    /// How the answer becomes a program: 'code' takes the code block of a chat answer; 'completion' appends the answer
    /// to the problem prompt and cuts it at CodeT's stop strings.
    /// </summary>
    [Input(Description = "How the answer becomes a program: 'code' takes the code block of a chat answer; 'completion' appends the answer to the problem prompt and cuts it at CodeT's stop strings.", Order = 3)]
    public DraftOutput Output { get; set; } = DraftOutput.Code;

    /// <summary>Index of the first sample asked for (for replaying a recorded pool from a given sample).</summary>
    [Input(Description = "Index of the first sample asked for (for replaying a recorded pool from a given sample).", Min = 0, Order = 4)]
    public int SampleOffset { get; set; }

    /// <summary>
    /// Keep the input's programs and add the new ones (a pool that grows each round, as in code-and-test co-generation)
    /// instead of passing on only the new ones.
    /// </summary>
    [Input(Description = "Keep the input's programs and add the new ones (a pool that grows each round, as in code-and-test co-generation) instead of passing on only the new ones.", Order = 5)]
    public bool KeepPrograms { get; set; }

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var variables = ModelStage.ProblemVariables(context.Problem);
        variables["lexicon"] = context.Input.OfKind(CandidateKinds.Lexicon).LastOrDefault()?.Content;
        variables["sketch"] = context.Input.OfKind(CandidateKinds.Sketch).LastOrDefault()?.Content;
        var count = Math.Min(DraftsPerPrompt, context.Budget.ProgramsLeft);
        var offset = SampleOffset + context.Iteration * DraftsPerPrompt;
        var response = await ModelStage.CompleteAsync(context, Model, Prompt, variables, count, offset);
        context.AddMeasure("code_samples", count);
        // Every answer becomes a program, a blank one too (a program that fails; see Answers for the rule).
        var programs = Answers.ToCandidates(context, response, CandidateKinds.Program, sample =>
        {
            var code = Output == DraftOutput.Completion
                ? context.Problem.Prompt + CodeText.CutCompletion(sample.Text)
                : CodeText.ExtractCode(sample.Text, context.Problem);
            return context.Create(CandidateKinds.Program, code, model: Model, prompt: Prompt, key: sample.Index.ToString(CultureInfo.InvariantCulture))
                .WithTag("sample", sample.Index.ToString(CultureInfo.InvariantCulture))
                .WithTag("language", Languages.Normalize(context.Problem.Language)!);
        });
        var kept = KeepPrograms ? context.Input.Programs : [];
        return ActivityResult.Of(Done, kept.Concat(programs).Concat(context.Input.Where(c => c.Kind != CandidateKinds.Program)));
    }
}

/// <summary>How <see cref="Draft"/> turns an answer into a program; the workflow file writes these names in snake_case.</summary>
public enum DraftOutput
{
    /// <summary>The code block of a chat answer.</summary>
    Code,

    /// <summary>The problem prompt followed by the answer, cut at CodeT's stop strings.</summary>
    Completion,
}
