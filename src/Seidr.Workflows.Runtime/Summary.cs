using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using RunResult = Seidr.Workflows.Engine.RunResult;

namespace Seidr.Workflows.Runtime;

/// <summary>Writes a run's <c>summary.json</c> (per variant: id, axis values, metrics) and <c>flows.jsonl</c> (one line per problem and variant).</summary>
public static class Summary
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject ToJson(RunResult run, WorkflowDefinition workflow, string workflowPath, IReadOnlyDictionary<string, string> models, SandboxInfo? sandbox) => new()
    {
        ["runId"] = run.RunId,
        ["workflow"] = workflow.DefinitionId,
        ["file"] = Path.GetFullPath(workflowPath),
        ["status"] = run.Status.ToString().ToLowerInvariant(),
        ["durationSeconds"] = Math.Round(run.Duration.TotalSeconds, 3),
        ["dataset"] = workflow.Experiment.Dataset,
        ["seed"] = workflow.Experiment.Seed,
        ["models"] = new JsonObject(models.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        ["sandbox"] = sandbox is null ? null : sandbox.Mode.ToString().ToLowerInvariant(),
        ["variants"] = new JsonArray(run.Variants.Select(v => (JsonNode)new JsonObject
        {
            ["id"] = v.Variant.Id,
            ["axes"] = new JsonObject(v.Variant.Axes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
            ["metrics"] = new JsonObject(v.Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)Round(m.Value)))),
        }).ToArray()),
    };

    public static void Write(string path, RunResult run, WorkflowDefinition workflow, string workflowPath, IReadOnlyDictionary<string, string> models, SandboxInfo? sandbox) =>
        AtomicWrite(path, ToJson(run, workflow, workflowPath, models, sandbox).ToJsonString(Options) + "\n");

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
            ["flags"] = new JsonObject(f.Flags.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
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
