using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;

namespace Seidr.Workflows.Reports;

/// <summary>Exports for notebooks: one CSV row per flow; JSON lines of variants (metrics), flows and candidates.</summary>
public static class Exports
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One row per run, variant and problem; the matrix axes become columns.</summary>
    public static string Csv(IReadOnlyList<RunAnalysis> runs)
    {
        var axes = runs.SelectMany(r => r.Variants).SelectMany(v => v.Variant.Axes.Select(a => a.Key)).Distinct().ToList();
        var sb = new StringBuilder();
        sb.AppendJoin(',', ["run", "variant", .. axes.Select(a => "axis_" + a), "problem", "status", "solved", "solved_by_generated_tests", "solved_by_hidden_tests",
            "programs", "programs_at_solve", "calls", "cached_calls", "input_tokens", "output_tokens", "tokens_at_solve", "cost", "seconds", "exhausted", "error", "samples", "failed_samples", "failed_calls", "model_error"]).Append('\n');
        foreach (var r in runs)
            foreach (var v in r.Variants)
                foreach (var f in v.Flows)
                {
                    var x = f.Result;
                    sb.AppendJoin(',', [Q(r.Run.Run.Id), Q(v.Variant.Id), .. axes.Select(a => Q(v.Variant[a] ?? "")), Q(x.Key.ProblemId), x.Status.ToString(), B(f.Solved),
                        B(x.SolvedByGeneratedTests), x.Hidden.IsEmpty ? "" : B(x.SolvedByHiddenTests), I(x.Programs), f.ProgramsAtSolve?.ToString(CultureInfo.InvariantCulture) ?? "",
                        I(x.Calls), I(x.CachedCalls), I(x.InputTokens), I(x.OutputTokens), f.TokensAtSolve?.ToString(CultureInfo.InvariantCulture) ?? "",
                        x.Cost.ToString(CultureInfo.InvariantCulture), x.Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture), Q(x.ExhaustedLimit ?? ""), Q(x.Error ?? ""),
                        I(x.Samples), I(x.FailedSamples), I(x.FailedCalls), Q(x.ModelError ?? "")]).Append('\n');
                }
        return sb.ToString();
    }

    /// <summary>
    /// JSON lines: <c>{"type":"variant",...metrics}</c>, <c>{"type":"flow",...}</c>, <c>{"type":"candidate",...}</c>.
    /// Candidates are read from the store one flow at a time (ordered by variant, problem and time), without per-test results.
    /// </summary>
    public static async Task JsonlAsync(IReadOnlyList<RunAnalysis> runs, TextWriter output, CancellationToken cancellationToken = default)
    {
        foreach (var r in runs)
        {
            foreach (var v in r.Variants)
            {
                await output.WriteLineAsync(new JsonObject
                {
                    ["type"] = "variant", ["run"] = r.Run.Run.Id, ["variant"] = v.Variant.Id,
                    ["axes"] = new JsonObject(v.Variant.Axes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
                    ["metrics"] = new JsonObject(v.Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))),
                }.ToJsonString(Json));
                foreach (var f in v.Flows)
                    await output.WriteLineAsync(new JsonObject
                    {
                        ["type"] = "flow", ["run"] = r.Run.Run.Id, ["variant"] = v.Variant.Id, ["problem"] = f.Result.Key.ProblemId, ["status"] = f.Result.Status.ToString(),
                        ["solved"] = f.Solved, ["programs"] = f.Result.Programs, ["programsAtSolve"] = f.ProgramsAtSolve, ["calls"] = f.Result.Calls,
                        ["tokens"] = f.Result.Tokens, ["tokensAtSolve"] = f.TokensAtSolve, ["cost"] = f.Result.Cost, ["seconds"] = Math.Round(f.Result.Duration.TotalSeconds, 3),
                        ["samples"] = f.Result.Samples, ["failedSamples"] = f.Result.FailedSamples, ["failedCalls"] = f.Result.FailedCalls, ["modelError"] = f.Result.ModelError,
                        ["submitted"] = new JsonArray(f.Result.Submission.Select(s => (JsonNode?)s.Id).ToArray()),
                        ["hidden"] = new JsonArray(f.Result.Hidden.Select(h => (JsonNode?)h.Passed).ToArray()),
                    }.ToJsonString(Json));
            }
            // Every stored flow, also one a variant's results lack (unfinished): its candidates are in the store too.
            foreach (var variant in r.Run.Variants.Select(x => x.VariantId).Order(StringComparer.Ordinal))
                foreach (var problem in r.Run.Problems.Select(x => x.ProblemId).Order(StringComparer.Ordinal))
                {
                    var detail = await r.Store.LoadFlowDetailAsync(r.Run.Run.Id, variant, problem, withTestResults: false, cancellationToken);
                    var last = new Dictionary<string, ExecutionRow>(StringComparer.Ordinal);
                    foreach (var e in detail.Executions) last[e.CandidateId] = e;
                    foreach (var c in detail.Candidates)
                    {
                        last.TryGetValue(c.CandidateId, out var exec);
                        await output.WriteLineAsync(new JsonObject
                        {
                            ["type"] = "candidate", ["run"] = r.Run.Run.Id, ["variant"] = c.VariantId, ["problem"] = c.ProblemId, ["id"] = c.CandidateId, ["kind"] = c.Kind,
                            ["parent"] = c.ParentId, ["stage"] = c.Stage, ["model"] = c.Model, ["prompt"] = c.Prompt, ["generation"] = c.Generation,
                            ["score"] = exec?.Score ?? c.Score, ["passed"] = exec?.Passed, ["tests"] = exec?.Total, ["createdAt"] = c.CreatedAt, ["content"] = c.Content,
                        }.ToJsonString(Json));
                    }
                }
        }
    }

    private static string Q(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    private static string B(bool b) => b ? "true" : "false";
    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
}
