using Seidr.Workflows.Engine;
using Seidr.Workflows.Models;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// How a stage turns a model's samples into candidates, with one rule for blank answers (empty or whitespace only).
/// <para>
/// A failed sample gives no candidate: the model layer already records it (the model call's failed samples). An
/// answered sample was paid for, blank or not, so it is never dropped unseen: it becomes a candidate, or it is counted
/// in the flow's <see cref="DroppedMeasure"/> measure. A blank answer becomes a candidate only when the candidate is a
/// program: a program is judged by running it, so a blank one fails its tests and pass@k counts it as the model's
/// answer (as CodeT counts the recorded empty completions). Any other kind (an explanation, a lexicon, a sketch, a test
/// set) has nothing in it without text, so a blank answer is not made into one, and is counted. A stage may also turn
/// a non-blank answer into no candidate (a repair without the function, a test answer without a usable test); that is
/// counted the same way.
/// </para>
/// This rule keeps every figure of a run as it was (the same candidates are made); the measure is added only to the
/// flows that dropped an answer, so runs that drop none report exactly what they did.
/// </summary>
internal static class Answers
{
    /// <summary>The flow measure counting answered samples that became no candidate (blank or unusable answers).</summary>
    public const string DroppedMeasure = "dropped_answers";

    /// <summary>
    /// The answered samples of <paramref name="response"/> that may become a candidate of <paramref name="kind"/>, in
    /// sample order; the blank ones that may not are counted as dropped here.
    /// </summary>
    public static List<ModelSample> Usable(ActivityContext context, ModelResponse response, string kind)
    {
        var usable = new List<ModelSample>();
        int blank = 0;
        foreach (var sample in response.Samples)
        {
            if (!sample.Succeeded) continue;
            if (sample.IsEmpty && kind != CandidateKinds.Program) blank++;
            else usable.Add(sample);
        }
        CountDropped(context, blank);
        return usable;
    }

    /// <summary>
    /// Candidates of <paramref name="kind"/> from <paramref name="response"/>, in sample order: <paramref name="make"/>
    /// is given each usable sample (see <see cref="Usable"/>) and returns null for an answer it cannot use, which is
    /// counted as dropped.
    /// </summary>
    public static List<Candidate> ToCandidates(ActivityContext context, ModelResponse response, string kind, Func<ModelSample, Candidate?> make)
    {
        var made = new List<Candidate>();
        int unusable = 0;
        foreach (var sample in Usable(context, response, kind))
        {
            if (make(sample) is { } candidate) made.Add(candidate);
            else unusable++;
        }
        CountDropped(context, unusable);
        return made;
    }

    /// <summary>Counts answers a stage turned into no candidate; nothing is recorded for none, so a flow that drops nothing reports no measure.</summary>
    public static void CountDropped(ActivityContext context, int count)
    {
        if (count > 0) context.AddMeasure(DroppedMeasure, count);
    }
}
