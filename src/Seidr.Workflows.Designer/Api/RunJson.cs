using System.Globalization;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Designer.Api;

/// <summary>Run records as JSON: Elsa's WorkflowInstance / WorkflowInstanceSummary shapes, and the designer's own run view.</summary>
internal static class RunJson
{
    /// <summary>The metrics shown first in summaries, when a run reports them; pass@k columns follow solved_share.</summary>
    public static readonly string[] MainMetrics = ["problems", "solved", "solved_share", "pass@*", "programs", "calls", "tokens", "cost", "time_s", "failed_flows", "budget_exhausted"];

    public static string Status(RunRecord r) => r.IsRunning ? "Running" : "Finished";

    public static string SubStatus(RunRecord r) => r.Phase switch
    {
        RunPhase.Executing => "Executing",
        RunPhase.Finished => "Finished",
        RunPhase.Cancelled => "Cancelled",
        _ => "Faulted",
    };

    private static string Time(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

    public static JsonObject Summary(RunRecord r) => new()
    {
        ["id"] = r.Id,
        ["definitionId"] = r.DefinitionId,
        ["definitionVersionId"] = $"{r.DefinitionId}:v{r.Version}",
        ["version"] = r.Version,
        ["status"] = Status(r),
        ["subStatus"] = SubStatus(r),
        ["correlationId"] = null,
        ["name"] = r.Name ?? r.DefinitionId,
        ["incidentCount"] = r.Phase == RunPhase.Faulted ? 1 : 0,
        ["createdAt"] = Time(r.CreatedAt),
        ["updatedAt"] = Time(r.UpdatedAt),
        ["finishedAt"] = r.FinishedAt is { } f ? Time(f) : null,
    };

    public static JsonObject Instance(RunRecord r)
    {
        var o = Summary(r);
        o["isSystem"] = false;
        o["workflowState"] = new JsonObject
        {
            ["id"] = r.Id,
            ["definitionId"] = r.DefinitionId,
            ["definitionVersion"] = r.Version,
            ["correlationId"] = null,
            ["status"] = Status(r),
            ["subStatus"] = SubStatus(r),
            ["bookmarks"] = new JsonArray(),
            ["incidents"] = new JsonArray(),
            ["fault"] = r.Error is null ? null : new JsonObject { ["message"] = r.Error, ["exception"] = null, ["faultedActivityId"] = null, ["resumeActivityId"] = null },
            ["completionCallbacks"] = new JsonArray(),
            ["activityExecutionContexts"] = new JsonArray(),
            ["input"] = new JsonObject(),
            ["output"] = new JsonObject { ["summary"] = Run(r) },
            ["properties"] = new JsonObject(),
            ["createdAt"] = Time(r.CreatedAt),
            ["updatedAt"] = Time(r.UpdatedAt),
            ["finishedAt"] = r.FinishedAt is { } f ? Time(f) : null,
        };
        return o;
    }

    /// <summary>The designer's view of a run: status, progress, and per-variant metrics.</summary>
    public static JsonObject Run(RunRecord r)
    {
        var result = r.Result;
        return new JsonObject
        {
            ["id"] = r.Id,
            ["definitionId"] = r.DefinitionId,
            ["name"] = r.Name ?? r.DefinitionId,
            ["status"] = Status(r),
            ["subStatus"] = SubStatus(r),
            ["createdAt"] = Time(r.CreatedAt),
            ["finishedAt"] = r.FinishedAt is { } f ? Time(f) : null,
            ["completedFlows"] = r.CompletedFlows,
            ["totalFlows"] = r.TotalFlows,
            ["error"] = r.Error,
            ["messages"] = new JsonArray(r.Messages.Select(m => (JsonNode)m).ToArray()),
            ["workflowPath"] = r.WorkflowPath,
            ["outputDirectory"] = r.OutputDirectory.Length > 0 ? r.OutputDirectory : null,
            ["summaryPath"] = r.SummaryPath,
            ["durationSeconds"] = result is null ? null : Math.Round(result.Duration.TotalSeconds, 3),
            ["variants"] = new JsonArray((result?.Variants ?? []).Select(v => (JsonNode)new JsonObject
            {
                ["id"] = v.Variant.Id,
                ["axes"] = new JsonObject(v.Variant.Axes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
                ["flows"] = v.Flows.Length,
                ["metrics"] = new JsonObject(OrderMetrics(v.Metrics.Keys).Select(k => KeyValuePair.Create(k, (JsonNode?)Math.Round(v.Metrics[k], 6)))),
            }).ToArray()),
        };
    }

    /// <summary>Metric names, the main ones first (<see cref="MainMetrics"/>), the rest alphabetically.</summary>
    public static IEnumerable<string> OrderMetrics(IEnumerable<string> names)
    {
        var all = names.ToList();
        int Rank(string n)
        {
            for (int i = 0; i < MainMetrics.Length; i++)
                if (MainMetrics[i] == n || (MainMetrics[i] == "pass@*" && n.StartsWith("pass@", StringComparison.Ordinal))) return i;
            return MainMetrics.Length;
        }
        return all.OrderBy(Rank).ThenBy(n => n.StartsWith("pass@", StringComparison.Ordinal) && int.TryParse(n[5..], out var k) ? k : 0).ThenBy(n => n, StringComparer.Ordinal);
    }
}
