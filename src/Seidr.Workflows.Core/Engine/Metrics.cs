using System.Collections.Immutable;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Engine;

/// <summary>Aggregates flow results into a variant's metrics.</summary>
public static class Metrics
{
    /// <summary>
    /// The variant's figures by name: problems solved (by the hidden tests when there are any, else by the generated
    /// ones) and <c>pass@k</c> for each of <paramref name="ks"/>, what they cost in total and per solved problem,
    /// the share of flows with each flag, each measure's mean, p50, p90 and max, and the judge's test-quality figures.
    /// </summary>
    public static ImmutableSortedDictionary<string, double> Compute(IReadOnlyList<FlowResult> flows, IReadOnlyList<int> ks)
    {
        var m = ImmutableSortedDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        int problems = flows.Count;
        bool hidden = flows.Any(f => !f.Hidden.IsEmpty);
        int solvedGenerated = flows.Count(f => f.SolvedByGeneratedTests);
        int solvedHidden = flows.Count(f => f.SolvedByHiddenTests);
        int solved = hidden ? solvedHidden : solvedGenerated;

        m["problems"] = problems;
        m["solved"] = solved;
        m["solved_share"] = problems == 0 ? 0 : (double)solved / problems;
        m["solved_by_generated_tests"] = solvedGenerated;
        if (hidden)
        {
            m["solved_by_hidden_tests"] = solvedHidden;
            foreach (var k in ks.Distinct().Order())
            {
                // Unbiased estimator over each flow's submission: n submitted, c passing the hidden tests.
                // A flow that submitted nothing counts as 0; k larger than a submission is not estimable, so it is left out.
                var samples = flows.Select(f => (N: f.Submission.Length, C: f.Hidden.Count(h => h.Passed))).ToArray();
                if (samples.Any(s => s.N > 0 && s.N < k)) continue;
                m[$"pass@{k}"] = samples.Average(s => s.N == 0 ? 0 : PassAtK.Estimate(s.N, s.C, k));
            }
        }
        m["programs"] = flows.Sum(f => f.Programs);
        m["calls"] = flows.Sum(f => f.Calls);
        m["cached_calls"] = flows.Sum(f => f.CachedCalls);
        m["tokens"] = flows.Sum(f => f.Tokens);
        m["input_tokens"] = flows.Sum(f => f.InputTokens);
        m["output_tokens"] = flows.Sum(f => f.OutputTokens);
        m["cost"] = (double)flows.Sum(f => f.Cost);
        m["time_s"] = Math.Round(flows.Sum(f => f.Duration.TotalSeconds), 3);
        m["failed_flows"] = flows.Count(f => f.Status == FlowStatus.Failed);
        m["model_samples"] = flows.Sum(f => f.Samples);
        m["failed_samples"] = flows.Sum(f => f.FailedSamples);
        m["failed_calls"] = flows.Sum(f => f.FailedCalls);
        m["flows_with_failed_samples"] = flows.Count(f => f.LostSamples);
        m["budget_exhausted"] = flows.Count(f => f.ExhaustedLimit is not null);
        if (solved > 0)
        {
            m["programs_per_solved"] = m["programs"] / solved;
            m["calls_per_solved"] = m["calls"] / solved;
            m["tokens_per_solved"] = m["tokens"] / solved;
            if (m["cost"] > 0) m["cost_per_solved"] = m["cost"] / solved; // priced models only: a free model's 0 says nothing
            m["time_s_per_solved"] = Math.Round(m["time_s"] / solved, 3);
        }
        foreach (var flag in flows.SelectMany(f => f.Flags.Keys).Distinct())
        {
            m[flag] = problems == 0 ? 0 : (double)flows.Count(f => f.Flags.GetValueOrDefault(flag)) / problems;
            if (hidden)
                m[$"false_{flag}"] = problems == 0 ? 0 : (double)flows.Count(f => f.Flags.GetValueOrDefault(flag) && !f.SolvedByHiddenTests) / problems;
        }
        // Measures: the mean over the flows that recorded one, and its distribution (median, 90th percentile, max).
        foreach (var name in flows.SelectMany(f => f.Measures.Keys).Distinct(StringComparer.Ordinal))
        {
            var values = flows.Where(f => f.Measures.ContainsKey(name)).Select(f => f.Measures[name]).Order().ToArray();
            m[name] = values.Average();
            m[$"{name}_p50"] = Quantile(values, 0.5);
            m[$"{name}_p90"] = Quantile(values, 0.9);
            m[$"{name}_max"] = values[^1];
        }
        AddTestQuality(m, flows, hidden);
        return m.ToImmutable();
    }

    /// <summary>
    /// The judge's test-quality figures: <c>valid_tests</c> (share of distinct generated test cases the reference solution
    /// passes), <c>valid_test_set</c> (share of problems whose submitted test set, the generated tests the top submitted
    /// program passed, is non-empty and all valid), <c>wrong_caught</c> (share of wrong distinct programs that fail a
    /// valid generated test), and the problems that agreed on a wrong program split into <c>agreed_wrong_tests_wrong</c>
    /// (it passed a test the reference fails) and <c>agreed_wrong_tests_weak</c> (every test it passed is valid).
    /// "Agreed" is the <c>aligned</c> flag where the workflow sets one, else a non-empty submitted test set.
    /// </summary>
    private static void AddTestQuality(ImmutableSortedDictionary<string, double>.Builder m, IReadOnlyList<FlowResult> flows, bool hidden)
    {
        var judged = flows.Where(f => f.TestQuality is not null).ToList();
        if (judged.Count == 0) return;
        int problems = flows.Count;
        long tests = judged.Sum(f => (long)f.TestQuality!.Tests), wrong = judged.Sum(f => (long)f.TestQuality!.WrongPrograms);
        m["quality_problems"] = judged.Count;
        m["valid_tests"] = tests == 0 ? 0 : judged.Sum(f => (double)f.TestQuality!.ValidTests) / tests;
        m["valid_test_set"] = (double)judged.Count(f => f.TestQuality!.SubmittedValid) / problems;
        m["wrong_programs"] = wrong;
        m["wrong_caught"] = wrong == 0 ? 0 : judged.Sum(f => (double)f.TestQuality!.WrongCaught) / wrong;
        if (!hidden) return;
        bool flagged = flows.Any(f => f.Flags.ContainsKey("aligned"));
        var agreedWrong = judged.Where(f => (flagged ? f.Flags.GetValueOrDefault("aligned") : f.TestQuality!.SubmittedTests > 0) && !f.SolvedByHiddenTests).ToList();
        m["agreed_wrong_tests_wrong"] = (double)agreedWrong.Count(f => f.TestQuality!.SubmittedInvalid > 0) / problems;
        m["agreed_wrong_tests_weak"] = (double)agreedWrong.Count(f => f.TestQuality!.SubmittedInvalid == 0) / problems;
    }

    /// <summary>The q-quantile of sorted values, by linear interpolation between the nearest ranks.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
