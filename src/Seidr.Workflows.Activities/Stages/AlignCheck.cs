using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>
/// Decides whether generated code and generated tests agree. It counts the rounds (its own iterations): <c>rounds</c>
/// is a measure of every flow that reaches it, <c>rounds_to_alignment</c> of the flows that align.
/// </summary>
[Activity("Seidr", "AlignCheck", Category = "Selection", Spends = false, DisplayName = "Align check", Description = "Aligned when some program passes an accepted test set: all of its tests, a share of them, the tests of k test sets, or a consensus set large enough (CodeT's agreement as a stopping rule).")]
public sealed class AlignCheck : Activity
{
    /// <summary>Programs that agree with the tests, best first, with the test sets.</summary>
    [Outcome(Description = "Programs that agree with the tests, best first, with the test sets.")]
    public const string Aligned = "Aligned";

    /// <summary>Everything, for another round of generation.</summary>
    [Outcome(Description = "Everything, for another round of generation.")]
    public const string Misaligned = "Misaligned";

    /// <summary>Not aligned and the budget (or the rounds) spent: the best programs, with the test sets.</summary>
    [Outcome(Description = "Not aligned and the budget (or the rounds) spent: the best programs, with the test sets.")]
    public const string Exhausted = Ports.Exhausted;

    /// <summary>
    /// 'all': a program passes every test of one test set; 'share': at least `share` of all generated tests;
    /// 'agreement': every test of at least `k` test sets; 'consensus': CodeT's top consensus set (programs passing
    /// exactly the same tests, scored by tests x sqrt(samples)) has at least `min_programs` samples and passes at least
    /// `min_tests` distinct tests, and its programs are the aligned ones; 'oneshot': no criterion, Exhausted after the
    /// first round (a fixed-budget baseline: what follows ranks one round's draw).
    /// </summary>
    [Input(Description = "'all': a program passes every test of one test set; 'share': at least `share` of all generated tests; 'agreement': every test of at least `k` test sets; " +
        "'consensus': CodeT's top consensus set (programs passing exactly the same tests, scored by tests x sqrt(samples)) has at least `min_programs` samples and passes at least `min_tests` distinct tests, and its programs are the aligned ones; " +
        "'oneshot': no criterion, Exhausted after the first round (a fixed-budget baseline: what follows ranks one round's draw).",
        Options = ["all", "share", "agreement", "consensus", "oneshot"])]
    public string Mode { get; set; } = "all";

    /// <summary>For mode 'share': the fraction of tests a program must pass.</summary>
    [Input(Description = "For mode 'share': the fraction of tests a program must pass.", Min = 0)]
    public double Share { get; set; } = 1.0;

    /// <summary>For mode 'agreement': how many test sets a program must pass completely.</summary>
    [Input(Description = "For mode 'agreement': how many test sets a program must pass completely.", Min = 1)]
    public int K { get; set; } = 2;

    /// <summary>For mode 'consensus': samples (with duplicates) the top consensus set must have.</summary>
    [Input(Description = "For mode 'consensus': samples (with duplicates) the top consensus set must have.", Min = 1)]
    public int MinPrograms { get; set; } = 3;

    /// <summary>For mode 'consensus': distinct generated tests the top consensus set must pass.</summary>
    [Input(Description = "For mode 'consensus': distinct generated tests the top consensus set must pass.", Min = 1)]
    public int MinTests { get; set; } = 5;

    /// <inheritdoc/>
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var round = context.Iteration + 1;
        context.SetMeasure("rounds", round);
        var programs = ScoreOrder.BestFirst(context.Input.Programs).ToList();
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program).ToList();
        var aligned = Mode switch
        {
            "oneshot" => [],
            "consensus" => Consensus(context.Input, programs),
            _ => Passing(programs, context.Input),
        };
        context.SetFlag("aligned", aligned.Count > 0);
        if (aligned.Count > 0)
        {
            context.SetMeasure("rounds_to_alignment", round);
            return Task.FromResult(ActivityResult.Of(Aligned, aligned.Concat(others)));
        }
        var spent = context.Budget.IsExhausted || Mode == "oneshot";
        return Task.FromResult(ActivityResult.Of(spent ? Exhausted : Misaligned, programs.Concat(others)));
    }

    private List<Candidate> Passing(List<Candidate> programs, Population input)
    {
        var sets = input.OfKind(CandidateKinds.TestSet).Select(s => TestSets.Parse(s.Content).Select(TestSets.Key).ToHashSet()).Where(s => s.Count > 0).ToList();
        return programs.Where(p => IsAligned(p, sets)).ToList();
    }

    /// <summary>The samples of CodeT's top consensus set (ties merged), when it is large enough on both sides; else none.</summary>
    private List<Candidate> Consensus(Population input, List<Candidate> programs)
    {
        var matrix = DualExecution.From(input);
        if (!matrix.AnyPassed) return [];
        var top = CodeTAgreement.Rank(matrix).Groups[0];
        var tests = Enumerable.Range(0, matrix.Tests.Length).Count(t => top.Programs.Any(p => matrix.Passed[p][t]));
        if (top.Samples(matrix) < MinPrograms || tests < MinTests) return [];
        var texts = top.Programs.Select(p => matrix.Programs[p]).ToHashSet(StringComparer.Ordinal);
        return programs.Where(p => texts.Contains(p.Content)).ToList();
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
