using System.Globalization;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>
/// SEIDR's instruct step: for each failing program, k explanations of what is wrong and what to change, written by a
/// model from the failed tests rendered as expected vs actual. Explanations are candidates of kind
/// <c>explanation</c> whose parent is the program.
/// </summary>
[Activity("Seidr", "Explain", Category = "Repair", DisplayName = "Explain", Description = "For each failing program, asks a model for explanations of the bug and what to change (SEIDR's instruct), from the failed tests as expected vs actual.")]
public sealed class Explain : Activity
{
    /// <summary>
    /// The explanations, the programs they explain, and the input's other candidates (lexicon, sketch, test sets).
    /// </summary>
    [Outcome(Description = "The explanations, the programs they explain, and the input's other candidates (lexicon, sketch, test sets).")]
    public const string Done = Ports.Done;

    /// <summary>
    /// Nothing was explained (no program failed a test, or every answer was empty or failed): the input, unchanged.
    /// </summary>
    [Outcome(Description = "Nothing was explained (no program failed a test, or every answer was empty or failed): the input, unchanged.")]
    public const string Empty = "Empty";

    /// <summary>The budget was spent before anything was explained: the input, unchanged.</summary>
    [Outcome(Description = "The budget was spent before anything was explained: the input, unchanged.")]
    public const string Exhausted = Ports.Exhausted;

    /// <summary>The model that explains (a name under experiment.models).</summary>
    [Input(Required = true, Reference = InputReference.Model, Description = "The model that explains (a name under experiment.models).", Order = 0)]
    public string Model { get; set; } = "";

    /// <summary>Prompt file under prompts/ (variables: problem, program, test_results).</summary>
    [Input(Reference = InputReference.Prompt, Description = "Prompt file under prompts/ (variables: problem, program, test_results).", Order = 1)]
    public string Prompt { get; set; } = "explain";

    /// <summary>Explanations asked for per failing program (SEIDR's explanations_per_program).</summary>
    [Input(Description = "Explanations asked for per failing program (SEIDR's explanations_per_program).", Min = 1, Order = 2)]
    public int ExplanationsPerProgram { get; set; } = 2;

    /// <summary>How many failing tests are shown per program (SEIDR shows its worst one: 1).</summary>
    [Input(Description = "How many failing tests are shown per program (SEIDR shows its worst one: 1).", Min = 1, Order = 3)]
    public int FailingTests { get; set; } = 3;

    /// <summary>Explain at most this many failing programs, best first (0: all that arrive).</summary>
    [Input(Description = "Explain at most this many failing programs, best first (0: all that arrive).", Min = 0, Order = 4)]
    public int MaxPrograms { get; set; }

    /// <summary>
    /// Index of the first sample asked for; each iteration asks for the next explanations_per_program samples.
    /// </summary>
    [Input(Description = "Index of the first sample asked for; each iteration asks for the next explanations_per_program samples.", Min = 0, Order = 5)]
    public int SampleOffset { get; set; }

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var failing = context.Input.Programs.Where(p => !p.PassedAll && TestFeedback.HasFailures(p)).ToList();
        if (MaxPrograms > 0) failing = ScoreOrder.BestFirst(failing).Take(MaxPrograms).ToList();
        if (failing.Count == 0) return ActivityResult.Of(Empty, context.Input);

        // Calls are handed out in program order before any is made, so a call limit always cuts the same programs.
        var served = failing.Take(StageBudget.CallsLeft(context.Budget)).ToList();
        var offset = SampleOffset + context.Iteration * ExplanationsPerProgram;
        var made = await context.ForEachAsync<Candidate, List<Candidate>>(served, async (program, index, ct) =>
        {
            if (context.Budget.IsExhausted) return [];
            var variables = ModelStage.ProblemVariables(context.Problem);
            variables["program"] = program.Content;
            variables["test_results"] = TestFeedback.Render(program, FailingTests);
            var response = await ModelStage.CompleteAsync(context, Model, Prompt, variables, ExplanationsPerProgram, offset);
            return Answers.ToCandidates(context, response, CandidateKinds.Explanation, s =>
                context.Create(CandidateKinds.Explanation, s.Text.Trim(), program, Model, Prompt,
                        key: $"{index}.{s.Index.ToString(CultureInfo.InvariantCulture)}")
                    .WithTag("sample", s.Index.ToString(CultureInfo.InvariantCulture)));
        });

        var explanations = made.SelectMany(m => m).ToList();
        if (explanations.Count == 0)
            return ActivityResult.Of(context.Budget.IsExhausted ? Exhausted : Empty, context.Input);
        var explained = explanations.Select(e => e.ParentId).ToHashSet(StringComparer.Ordinal);
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program && c.Kind != CandidateKinds.Explanation);
        return ActivityResult.Of(Done, explanations.Concat(failing.Where(p => explained.Contains(p.Id))).Concat(others));
    }
}
