using System.Globalization;
using System.Text.Json.Serialization;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>SEIDR's rank step: keeps the best programs as the beam, or reports a solution.</summary>
[Activity("Seidr", "Rank", Category = "Selection", Spends = false, DisplayName = "Rank", Description = "Keeps the best beam_width programs: by score with tie-breaks, or by lexicase selection over per-test outcomes (programs that pass every test go to Solved); or keeps the best beam_width groups of programs: CodeT's consensus sets by dual execution agreement, behaviour clusters, or the pool as one group (random).")]
public sealed class Rank : Activity
{
    /// <summary>The kept programs, best first (nothing passed every test and budget is left).</summary>
    [Outcome(Description = "The kept programs, best first (nothing passed every test and budget is left).")]
    public const string Beam = "Beam";

    /// <summary>Programs that passed every test, best first.</summary>
    [Outcome(Description = "Programs that passed every test, best first.")]
    public const string Solved = "Solved";

    /// <summary>The budget is spent: the beam, best first.</summary>
    [Outcome(Description = "The budget is spent: the beam, best first.")]
    public const string Exhausted = Ports.Exhausted;

    /// <summary>How many programs to keep.</summary>
    [Input(Description = "How many programs to keep.", Min = 1)]
    public int BeamWidth { get; set; } = 2;

    /// <summary>
    /// 'score': highest fraction of tests passed, ties broken by fewer repair generations, then shorter program, then
    /// candidate id (a fixed order, so a run repeats). 'lexicase': lexicase selection over the per-test outcomes.
    /// Group strategies (beam_width counts groups; every sample of a kept group is emitted, best group first):
    /// 'codet': CodeT's dual execution agreement over the generated test sets in the input; 'behaviour': clusters of
    /// programs that behave identically on the generated tests' inputs, scored by CodeT's rule with a soft support
    /// (samples of clusters that behave alike on most tests) in place of the set size; 'random': no ranking, the pool
    /// in random order as one group.
    /// </summary>
    [Input(Description = "'score': highest fraction of tests passed, ties broken by fewer repair generations, then shorter program, then candidate id (a fixed order, so a run repeats). 'lexicase': lexicase selection over the per-test outcomes. " +
        "Group strategies (beam_width counts groups; every sample of a kept group is emitted, best group first): 'codet': CodeT's dual execution agreement over the generated test sets in the input; " +
        "'behaviour': clusters of programs that behave identically on the generated tests' inputs, scored by CodeT's rule with a soft support (samples of clusters that behave alike on most tests) in place of the set size; 'random': no ranking, the pool in random order as one group.")]
    public RankStrategy Strategy { get; set; } = RankStrategy.Score;

    /// <summary>
    /// Also rank the beam kept by this activity's previous iteration (elitism), so a good parent is not lost to worse
    /// children.
    /// </summary>
    [Input(Description = "Also rank the beam kept by this activity's previous iteration (elitism), so a good parent is not lost to worse children.")]
    public bool KeepParents { get; set; } = true;

    /// <inheritdoc/>
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var pool = context.Input.Programs.ToList();
        if (KeepParents && context.GetState<BeamState>() is { } previous)
            pool.AddRange(previous.Programs.Where(p => pool.All(c => c.Id != p.Id)));
        var others = context.Input.Where(c => c.Kind != CandidateKinds.Program).ToList();
        if (Strategy is RankStrategy.CodeT or RankStrategy.Behaviour or RankStrategy.Random) return Task.FromResult(RankGroups(context, pool, others));
        var ordered = ScoreOrder.BestFirst(pool).ToList();
        var solved = ordered.Where(p => p.PassedAll).ToList();
        if (solved.Count > 0) return Task.FromResult(ActivityResult.Of(Solved, solved.Concat(others)));

        var beam = Strategy == RankStrategy.Lexicase ? Lexicase.Select(ordered, BeamWidth, context.Random) : ordered.Take(BeamWidth).ToList();
        context.SetState(new BeamState(beam));
        return Task.FromResult(ActivityResult.Of(context.Budget.IsExhausted ? Exhausted : Beam, beam.Concat(others)));
    }

    private ActivityResult RankGroups(ActivityContext context, List<Candidate> pool, List<Candidate> others)
    {
        var matrix = DualExecution.From(new Population(pool.Concat(others)));
        var ranking = Strategy switch
        {
            RankStrategy.CodeT => CodeTAgreement.Rank(matrix),
            RankStrategy.Behaviour => BehaviourRanking.Rank(matrix),
            _ => GroupRanking.Pool(matrix, fallback: false),
        };
        if (Strategy != RankStrategy.Random) context.SetFlag($"{Naming.EnumName(Strategy)}_fallback", ranking.Fallback);

        var byContent = pool.GroupBy(p => p.Content, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var kept = new List<Candidate>();
        foreach (var (group, rank) in ranking.Groups.Take(BeamWidth).Select((g, i) => (g, i)))
        {
            var members = group.Programs.SelectMany(p => byContent[matrix.Programs[p]]).ToList();
            if (Strategy == RankStrategy.Random) context.Random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(members));
            kept.AddRange(members.Select(c => context.Scored(c
                .WithTag("group", rank.ToString(CultureInfo.InvariantCulture))
                .WithTag("group_score", group.Score.ToString("R", CultureInfo.InvariantCulture)))));
        }
        context.SetState(new BeamState(kept));
        var top = ranking.Groups.IsEmpty ? [] : ranking.Groups[0].Programs;
        var port = kept.Count > 0 && top.All(p => matrix.Passed[p].Length > 0 && !matrix.Passed[p].Contains(false)) ? Solved
            : context.Budget.IsExhausted ? Exhausted : Beam;
        return ActivityResult.Of(port, kept.Concat(others));
    }
}

/// <summary>How <see cref="Rank"/> orders the pool; the workflow file writes these names (<c>strategy: codet</c>).</summary>
public enum RankStrategy
{
    /// <summary>Highest fraction of tests passed; ties go to fewer repair generations, then the shorter program, then the id.</summary>
    Score,

    /// <summary>Lexicase selection over the per-test outcomes, in the flow's seeded random order.</summary>
    Lexicase,

    /// <summary>CodeT's dual execution agreement: consensus sets scored by tests passed times the square root of their samples.</summary>
    [JsonStringEnumMemberName("codet")] CodeT,

    /// <summary>Clusters of programs that behave identically on the generated tests' inputs, scored with a soft support.</summary>
    Behaviour,

    /// <summary>No ranking: the pool as one group, in the flow's seeded random order (a baseline).</summary>
    Random,
}
