using System.Globalization;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>
/// SEIDR's debug step: for each explanation in the input, r repaired programs written by a model from the program it
/// explains and the explanation. A repair is a program whose parent is the explanation (lineage: program ->
/// explanation -> repair), one generation after the program.
/// </summary>
[Activity("Seidr", "Repair", Category = "Repair", DisplayName = "Repair", Description = "For each explanation, asks a model for repaired programs (SEIDR's debug). Answers without the function are dropped as unparseable.")]
public sealed class Repair : Activity
{
    /// <summary>The repaired programs, with the input's lexicon, sketch and test sets passed along.</summary>
    [Outcome(Description = "The repaired programs, with the input's lexicon, sketch and test sets passed along.")]
    public const string Done = Ports.Done;

    /// <summary>
    /// No repair was made (no explanation with its program in the input, or every answer was empty, failed or
    /// unparseable): the input's programs, best first.
    /// </summary>
    [Outcome(Description = "No repair was made (no explanation with its program in the input, or every answer was empty, failed or unparseable): the input's programs, best first.")]
    public const string Empty = "Empty";

    /// <summary>The budget was spent before any repair was made: the input's programs, best first.</summary>
    [Outcome(Description = "The budget was spent before any repair was made: the input's programs, best first.")]
    public const string Exhausted = Ports.Exhausted;

    /// <summary>The model that repairs (a name under experiment.models).</summary>
    [Input(Required = true, Reference = InputReference.Model, Description = "The model that repairs (a name under experiment.models).", Order = 0)]
    public string Model { get; set; } = "";

    /// <summary>Prompt file under prompts/ (variables: problem, program, explanation, optional test_results).</summary>
    [Input(Reference = InputReference.Prompt, Description = "Prompt file under prompts/ (variables: problem, program, explanation, optional test_results).", Order = 1)]
    public string Prompt { get; set; } = "repair";

    /// <summary>Repaired programs asked for per explanation (SEIDR's repairs_per_explanation).</summary>
    [Input(Description = "Repaired programs asked for per explanation (SEIDR's repairs_per_explanation).", Min = 1, Order = 2)]
    public int RepairsPerExplanation { get; set; } = 2;

    /// <summary>How many failing tests are shown again with the explanation (0: none).</summary>
    [Input(Description = "How many failing tests are shown again with the explanation (0: none).", Min = 0, Order = 3)]
    public int FailingTests { get; set; } = 3;

    /// <summary>
    /// Index of the first sample asked for; each iteration asks for the next repairs_per_explanation samples.
    /// </summary>
    [Input(Description = "Index of the first sample asked for; each iteration asks for the next repairs_per_explanation samples.", Min = 0, Order = 4)]
    public int SampleOffset { get; set; }

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var programs = context.Input.Programs.GroupBy(p => p.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var jobs = context.Input.OfKind(CandidateKinds.Explanation)
            .Where(e => e.ParentId is not null && programs.ContainsKey(e.ParentId))
            .Select(e => (Explanation: e, Program: programs[e.ParentId!]))
            .ToList();
        var fallback = ScoreOrder.BestFirst(programs.Values).Concat(Others(context.Input)).ToList();
        if (jobs.Count == 0) return ActivityResult.Of(Empty, fallback);

        // Programs and calls are handed out in explanation order before any call, so limits cut the same jobs every run.
        var shares = StageBudget.SharePrograms(context.Budget, jobs.Count, RepairsPerExplanation);
        var callsLeft = StageBudget.CallsLeft(context.Budget);
        var served = jobs.Select((j, i) => (j.Explanation, j.Program, Count: shares[i]))
            .Where(j => j.Count > 0).Take(callsLeft).ToList();
        var offset = SampleOffset + context.Iteration * RepairsPerExplanation;
        var made = await context.ForEachAsync<(Candidate Explanation, Candidate Program, int Count), List<Candidate>>(served, async (job, index, ct) =>
        {
            if (context.Budget.IsExhausted) return [];
            var variables = ModelStage.ProblemVariables(context.Problem);
            variables["program"] = job.Program.Content;
            variables["explanation"] = job.Explanation.Content;
            variables["test_results"] = FailingTests > 0 && TestFeedback.HasFailures(job.Program) ? TestFeedback.Render(job.Program, FailingTests) : null;
            var response = await ModelStage.CompleteAsync(context, Model, Prompt, variables, job.Count, offset);
            return Answers.ToCandidates(context, response, CandidateKinds.Program, sample =>
            {
                var code = CodeText.ExtractCode(sample.Text, context.Problem);
                // A blank or unparseable answer has no program to run: dropped, and counted by Answers.
                if (!CodeText.IsProgram(code, context.Problem)) return null;
                var sampleKey = sample.Index.ToString(CultureInfo.InvariantCulture);
                return context.Create(CandidateKinds.Program, code, job.Explanation, Model, Prompt, key: $"{index}.{sampleKey}")
                    .WithTag("sample", sampleKey)
                    .WithTag("repairs", job.Program.Id)
                    .WithTag("language", Languages.Normalize(context.Problem.Language)!);
            });
        });

        var children = made.SelectMany(m => m).ToList();
        if (children.Count == 0) return ActivityResult.Of(context.Budget.IsExhausted ? Exhausted : Empty, fallback);
        return ActivityResult.Of(Done, children.Concat(Others(context.Input)));
    }

    private static IEnumerable<Candidate> Others(Population input) =>
        input.Where(c => c.Kind != CandidateKinds.Program && c.Kind != CandidateKinds.Explanation);

    /// <summary>
    /// Whether extracted text can be a Python program: not blank, and for function problems it defines the entry point
    /// (an answer that is prose, or code for something else, cannot pass a test and is dropped). Other languages:
    /// <see cref="CodeText.IsProgram(string, Problems.Problem)"/>.
    /// </summary>
    internal static bool IsProgram(string code, string? entryPoint) =>
        !string.IsNullOrWhiteSpace(code) &&
        (string.IsNullOrEmpty(entryPoint) || code.Contains($"def {entryPoint}(", StringComparison.Ordinal) || code.Contains($"def {entryPoint} (", StringComparison.Ordinal));
}
