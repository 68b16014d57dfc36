using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Runtime;

/// <summary>Writes a run's <c>summary.json</c> (per variant: id, axis values, metrics) and <c>flows.jsonl</c> (one line per problem and variant).</summary>
internal static class Summary
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject ToJson(RunResult run, WorkflowDefinition workflow, string workflowPath, IReadOnlyDictionary<string, string> models, SandboxInfo? sandbox,
        Models.Accounting.RunBudgetGate? budget = null, ExecutionCounts? execution = null) => new()
        {
            ["runId"] = run.RunId,
            ["workflow"] = workflow.DefinitionId,
            ["file"] = Path.GetFullPath(workflowPath),
            ["status"] = RunStatusNames.Of(run.Status),
            ["error"] = run.Error,
            ["durationSeconds"] = Math.Round(run.Duration.TotalSeconds, 3),
            ["dataset"] = workflow.Experiment.Dataset,
            ["seed"] = workflow.Experiment.Seed,
            ["models"] = new JsonObject(models.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["sandbox"] = sandbox is null ? null : sandbox.Mode.ToString().ToLowerInvariant(),
            // How the model calls went, over every variant. Retries depend on the server's timing, so they are kept out of
            // the metrics, which are the same for the same workflow, seed and answers at any concurrency.
            ["modelCalls"] = new JsonObject
            {
                ["samples"] = run.Variants.Sum(v => v.Flows.Sum(f => f.Samples)),
                ["failedSamples"] = run.Variants.Sum(v => v.Flows.Sum(f => f.FailedSamples)),
                ["failedCalls"] = run.Variants.Sum(v => v.Flows.Sum(f => f.FailedCalls)),
                ["retries"] = run.Variants.Sum(v => v.Flows.Sum(f => f.Retries)),
                ["flowsWithFailedSamples"] = run.Variants.Sum(v => v.Flows.Count(f => f.LostSamples)),
                ["allowFailedSamples"] = workflow.Experiment.AllowFailedSamples,
            },
            ["runBudget"] = budget is null ? null : RunBudgetJson(budget),
            // Like retries, these depend on what earlier runs left in the cache, so they stay out of the metrics.
            ["execution"] = execution is null ? null : new JsonObject
            {
                ["executed"] = execution.Executed,
                ["fromVerdictCache"] = execution.FromCache,
                ["verdictCache"] = execution.VerdictCache,
                ["verdictsNotStored"] = execution.VerdictsNotStored,
                ["verdictCacheError"] = execution.VerdictCacheError,
            },
            ["variants"] = new JsonArray(run.Variants.Select(v => (JsonNode)new JsonObject
            {
                ["id"] = v.Variant.Id,
                ["axes"] = new JsonObject(v.Variant.Axes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
                ["metrics"] = new JsonObject(v.Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)Round(m.Value)))),
            }).ToArray()),
        };

    public static void Write(string path, RunResult run, WorkflowDefinition workflow, string workflowPath, IReadOnlyDictionary<string, string> models, SandboxInfo? sandbox,
        Models.Accounting.RunBudgetGate? budget = null, ExecutionCounts? execution = null) =>
        AtomicWrite(path, ToJson(run, workflow, workflowPath, models, sandbox, budget, execution).ToJsonString(Options) + "\n");

    /// <summary>Spent against each cap of the run: <c>{cost: {spent, cap}, calls: {...}, tokens: {...}}</c> and the flows it stopped.</summary>
    private static JsonObject RunBudgetJson(Models.Accounting.RunBudgetGate budget)
    {
        var (cost, calls, tokens) = budget.Spent;
        return new JsonObject
        {
            ["cost"] = new JsonObject { ["spent"] = Math.Round((double)cost, 6), ["cap"] = budget.CostCap is { } c ? (double)c : null },
            ["calls"] = new JsonObject { ["spent"] = calls, ["cap"] = budget.CallsCap },
            ["tokens"] = new JsonObject { ["spent"] = tokens, ["cap"] = budget.TokensCap },
        };
    }

    public static void WriteFlows(string path, RunResult run)
    {
        var lines = run.Variants.SelectMany(v => v.Flows).Select(f => new JsonObject
        {
            ["variant"] = f.Key.VariantId,
            ["problem"] = f.Key.ProblemId,
            ["status"] = f.Status.ToString(),
            ["solvedByGeneratedTests"] = f.SolvedByGeneratedTests,
            ["solvedByHiddenTests"] = f.Hidden.IsEmpty ? null : f.SolvedByHiddenTests,
            ["submitted"] = f.Submission.Length,
            ["passedHidden"] = f.Hidden.Count(h => h.Passed),
            ["programs"] = f.Programs,
            ["calls"] = f.Calls,
            ["tokens"] = f.Tokens,
            ["seconds"] = Math.Round(f.Duration.TotalSeconds, 3),
            ["exhausted"] = f.ExhaustedLimit,
            ["error"] = f.Error,
            ["samples"] = f.Samples,
            ["failedSamples"] = f.FailedSamples,
            ["failedCalls"] = f.FailedCalls,
            ["retries"] = f.Retries,
            ["modelError"] = f.ModelError,
            ["flags"] = new JsonObject(f.Flags.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["measures"] = new JsonObject(f.Measures.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["testQuality"] = f.TestQuality is not { } q ? null : new JsonObject
            {
                ["tests"] = q.Tests, ["validTests"] = q.ValidTests, ["submittedTests"] = q.SubmittedTests, ["submittedInvalid"] = q.SubmittedInvalid,
                ["wrongPrograms"] = q.WrongPrograms, ["wrongCaught"] = q.WrongCaught,
            },
            ["best"] = f.Submission.IsEmpty ? null : f.Submission[0].Content,
        }.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        AtomicWrite(path, string.Concat(lines.Select(l => l + "\n")));
    }

    private static double Round(double v) => Math.Round(v, 6);

    private static void AtomicWrite(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
