using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>Decides whether generated code and generated tests agree.</summary>
[Activity("Seidr", "AlignCheck", Category = "Selection", Spends = false, DisplayName = "Align check", Description = "Aligned when some program passes an accepted test set: all of its tests, a share of them, or the tests of k test sets.")]
[Outcome("Aligned", Description = "Programs that agree with the tests, best first, with the test sets.")]
[Outcome("Misaligned", Description = "Everything, for another round of generation.")]
[Outcome("Exhausted", Description = "Not aligned and the budget is spent: the best programs.")]
public sealed class AlignCheck : Activity
{
    [Input(Description = "'all': a program passes every test of one test set; 'share': at least `share` of all generated tests; 'agreement': every test of at least `k` test sets.", Options = ["all", "share", "agreement"])]
    public string Mode { get; set; } = "all";

    [Input(Description = "For mode 'share': the fraction of tests a program must pass.", Min = 0)]
    public double Share { get; set; } = 1.0;

    [Input(Description = "For mode 'agreement': how many test sets a program must pass completely.", Min = 1)]
    public int K { get; set; } = 2;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var programs = Rank.Order(context.Input.Programs).ToList();
        var sets = context.Input.OfKind(CandidateKinds.TestSet).Select(s => TestSets.Parse(s.Content).Select(TestSets.Key).ToHashSet()).Where(s => s.Count > 0).ToList();
        var aligned = programs.Where(p => IsAligned(p, sets)).ToList();
        context.SetFlag("aligned", aligned.Count > 0);
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program).ToList();
        if (aligned.Count > 0) return Task.FromResult(ActivityResult.Of("Aligned", aligned.Concat(others)));
        return Task.FromResult(ActivityResult.Of(context.Budget.IsExhausted ? "Exhausted" : "Misaligned", programs.Concat(others)));
    }

    private bool IsAligned(Candidate program, List<HashSet<string>> sets)
    {
        var passed = program.Results.Where(r => r.Passed).Select(r => r.Test).ToHashSet(StringComparer.Ordinal);
        return Mode switch
        {
            "share" => program.Results.Length > 0 && (double)passed.Count / program.Results.Length >= Share,
            "agreement" => sets.Count(s => s.IsSubsetOf(passed)) >= K,
            _ => sets.Any(s => s.IsSubsetOf(passed)),
        };
    }
}
