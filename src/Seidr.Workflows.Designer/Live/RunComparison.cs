using System.Collections.Immutable;
using Seidr.Workflows.Reports;

namespace Seidr.Workflows.Designer.Live;

/// <summary>One variant's figures in a comparison (the engine's metrics as the report computes them).</summary>
internal sealed record ComparedVariant(string RunId, string VariantId, ImmutableSortedDictionary<string, double> Metrics);

/// <summary>
/// One problem in a comparison: the variants of each run that solved it, and how the runs differ on it:
/// <c>both</c>, <c>only-a</c>, <c>only-b</c> or <c>neither</c> (a run solves a problem when any of its variants does).
/// </summary>
internal sealed record ComparedProblem(string ProblemId, ImmutableArray<string> SolvedByA, ImmutableArray<string> SolvedByB, string Verdict);

/// <summary>Two runs side by side.</summary>
internal sealed record RunComparison(string A, string B, ImmutableArray<ComparedVariant> Variants, ImmutableArray<ComparedProblem> Problems)
{
    /// <summary>The figures compared per variant, when the runs have them (pass@k columns come with solved_share).</summary>
    public static readonly string[] Figures = ["problems", "solved", "solved_share", "pass@*", "programs", "calls", "tokens", "cost", "time_s"];

    public static RunComparison Of(RunAnalysis a, RunAnalysis b)
    {
        static ImmutableSortedDictionary<string, double> Pick(ImmutableSortedDictionary<string, double> m) =>
            m.Where(kv => Figures.Contains(kv.Key) || kv.Key.StartsWith("pass@", StringComparison.Ordinal)).ToImmutableSortedDictionary(StringComparer.Ordinal);
        var variants = a.Variants.Concat(b.Variants).Select(v => new ComparedVariant(v.RunId, v.Variant.Id, Pick(v.Metrics))).ToImmutableArray();
        static Dictionary<string, List<string>> Solvers(RunAnalysis r)
        {
            var d = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var v in r.Variants)
                foreach (var f in v.Flows)
                {
                    if (!d.TryGetValue(f.Result.Key.ProblemId, out var list)) d[f.Result.Key.ProblemId] = list = [];
                    if (f.Solved) list.Add(v.Variant.Id);
                }
            return d;
        }
        var sa = Solvers(a);
        var sb = Solvers(b);
        var order = a.Run.Problems.Select(p => p.ProblemId).Concat(b.Run.Problems.Select(p => p.ProblemId)).Distinct(StringComparer.Ordinal);
        var problems = order.Select(p =>
        {
            var x = sa.GetValueOrDefault(p) ?? [];
            var y = sb.GetValueOrDefault(p) ?? [];
            var verdict = (x.Count > 0, y.Count > 0) switch { (true, true) => "both", (true, false) => "only-a", (false, true) => "only-b", _ => "neither" };
            return new ComparedProblem(p, [.. x], [.. y], verdict);
        }).ToImmutableArray();
        return new RunComparison(a.Run.Run.Id, b.Run.Run.Id, variants, problems);
    }
}
