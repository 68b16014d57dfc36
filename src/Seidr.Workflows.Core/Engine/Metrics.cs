using System.Collections.Immutable;
using Seidr.Workflows.Datasets.Metrics;

namespace Seidr.Workflows.Engine;

/// <summary>Aggregates flow results into a variant's metrics.</summary>
public static class Metrics
{
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
            m["time_s_per_solved"] = Math.Round(m["time_s"] / solved, 3);
        }
        foreach (var flag in flows.SelectMany(f => f.Flags.Keys).Distinct())
        {
            m[flag] = problems == 0 ? 0 : (double)flows.Count(f => f.Flags.GetValueOrDefault(flag)) / problems;
            if (hidden)
                m[$"false_{flag}"] = problems == 0 ? 0 : (double)flows.Count(f => f.Flags.GetValueOrDefault(flag) && !f.SolvedByHiddenTests) / problems;
        }
        return m.ToImmutable();
    }
}
