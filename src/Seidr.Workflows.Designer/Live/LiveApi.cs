using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Seidr.Workflows.Designer.Api;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence;

namespace Seidr.Workflows.Designer.Live;

/// <summary>
/// The runs page's API under <c>/designer/api/live</c>: runs from the stores, a run's progress (also as server-sent
/// events while it runs), its HTML report, and two runs compared. Errors are problem details: 404 for an unknown
/// run, 409 for the report of a run still running, 503 when its store cannot be read.
/// </summary>
internal static class LiveApi
{
    public const string Prefix = "/designer/api/live";

    public static void Map(IEndpointRouteBuilder app, RunCatalog catalog, RunManager memory)
    {
        app.MapGet(Prefix + "/runs", async (CancellationToken ct) =>
        {
            var list = await catalog.ListAsync(ct);
            var items = list.Runs.Select(r => (JsonNode)Listing(r)).ToList();
            // Page runs not yet in their store (starting, or refused before they ran) come from memory.
            var known = list.Runs.Select(r => r.Listing.RunId).ToHashSet(StringComparer.Ordinal);
            foreach (var m in memory.List().Where(m => !known.Contains(m.Id)))
                items.Add(new JsonObject
                {
                    ["id"] = m.Id, ["workflowId"] = m.DefinitionId, ["workflowName"] = m.Name,
                    ["status"] = StatusOf(m),
                    ["createdAt"] = m.CreatedAt.ToString("O", CultureInfo.InvariantCulture), ["flows"] = m.CompletedFlows, ["expectedFlows"] = m.TotalFlows,
                    ["variants"] = null, ["store"] = null, ["error"] = m.Error,
                });
            return ElsaApi.Json(new JsonObject
            {
                ["items"] = new JsonArray([.. items.OrderByDescending(i => i!["createdAt"]!.GetValue<string>(), StringComparer.Ordinal)]),
                ["stores"] = new JsonArray([.. catalog.Locations().Select(l => (JsonNode)RunCatalog.Describe(l))]),
                ["errors"] = new JsonArray([.. list.Problems.Select(p => (JsonNode)new JsonObject { ["store"] = p.Store, ["message"] = p.Message })]),
            });
        });
        app.MapGet(Prefix + "/runs/{id}", (string id, CancellationToken ct) => Guarded(async () => ElsaApi.Json(Progress(await catalog.ProgressAsync(id, ct)))));
        app.MapGet(Prefix + "/runs/{id}/events", (HttpContext context, string id) => StreamAsync(context, catalog, id));
        app.MapGet(Prefix + "/runs/{id}/report", (HttpContext context, string id, CancellationToken ct) => Guarded(async () =>
        {
            var html = await catalog.ReportAsync(id, ct);
            context.Response.Headers.CacheControl = "no-cache";
            return Results.File(html, "text/html; charset=utf-8");
        }));
        // The report page loads its candidate trees a problem at a time from its sidecar, relative to the page.
        app.MapGet(Prefix + "/runs/{id}/report.data/{file}", (string id, string file) =>
        {
            if (file.Contains('/') || file.Contains('\\') || file.StartsWith('.')) return ElsaApi.NotFound($"no report file '{file}'");
            var path = Path.Combine(catalog.ReportFolder(id), "report.data", file);
            return File.Exists(path) ? Results.File(path, "text/javascript; charset=utf-8") : ElsaApi.NotFound($"no report file '{file}' for run '{id}': open its report first");
        });
        app.MapGet(Prefix + "/compare", (string? a, string? b, CancellationToken ct) => Guarded(async () =>
        {
            if (string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b))
                return ElsaApi.Problem(StatusCodes.Status400BadRequest, "compare needs two runs: ?a=RUN_ID&b=RUN_ID", []);
            return ElsaApi.Json(Comparison(await catalog.CompareAsync(a, b, ct)));
        }));
    }

    /// <summary>A page run not in its store yet, as progress: its status and flow count from the engine's events.</summary>
    public static Func<string, RunProgress?> FromMemory(RunManager memory) => id => memory.Find(id) is { } m
        ? new RunProgress(new RunListing(m.Id, m.DefinitionId, m.Name, m.CreatedAt, m.CompletedFlows, m.TotalFlows, 0, StatusOf(m), m.UpdatedAt), [])
        : null;

    private static string StatusOf(RunRecord m) =>
        m.IsRunning ? RunStatusNames.Running : m.Phase == RunPhase.Cancelled ? RunStatusNames.Cancelled : m.Phase == RunPhase.Finished ? RunStatusNames.Completed : RunStatusNames.Failed;

    private static async Task<IResult> Guarded(Func<Task<IResult>> action)
    {
        try { return await action(); }
        catch (UnknownRunException e) { return ElsaApi.NotFound(e.Message); }
        catch (RunStillRunningException e) { return ElsaApi.Problem(StatusCodes.Status409Conflict, e.Message, []); }
        catch (StoreUnreachableException e) { return ElsaApi.Problem(StatusCodes.Status503ServiceUnavailable, e.Message, []); }
    }

    /// <summary>
    /// Server-sent events: a <c>progress</c> event whenever the run's figures change (read at most once per poll
    /// interval, shared by every watcher), then <c>end</c> once it is no longer running. An <c>error</c> event names
    /// the failure (unknown run, store unreachable) before the stream closes.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, RunCatalog catalog, string id)
    {
        var ct = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        string? last = null;
        var quietSince = DateTimeOffset.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                RunProgress progress;
                try { progress = await catalog.ProgressAsync(id, ct); }
                catch (Exception e) when (e is UnknownRunException or StoreUnreachableException)
                {
                    await SendAsync(context, "error", new JsonObject { ["status"] = e is UnknownRunException ? 404 : 503, ["title"] = e.Message }.ToJsonString(), ct);
                    return;
                }
                var json = Progress(progress).ToJsonString();
                if (json != last)
                {
                    await SendAsync(context, "progress", json, ct);
                    last = json;
                    quietSince = DateTimeOffset.UtcNow;
                }
                else if (DateTimeOffset.UtcNow - quietSince > TimeSpan.FromSeconds(15))
                {
                    // A comment keeps proxies from closing an idle stream during a long flow.
                    await context.Response.WriteAsync(": still running\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                    quietSince = DateTimeOffset.UtcNow;
                }
                if (progress.Listing.Status != RunStatusNames.Running)
                {
                    await SendAsync(context, "end", json, ct);
                    return;
                }
                await Task.Delay(catalog.PollInterval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { /* the page went away */ }
    }

    private static async Task SendAsync(HttpContext context, string type, string data, CancellationToken ct)
    {
        await context.Response.WriteAsync($"event: {type}\ndata: {data}\n\n", Encoding.UTF8, ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private static string Time(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

    private static JsonObject Listing(LiveRun r) => new()
    {
        ["id"] = r.Listing.RunId,
        ["workflowId"] = r.Listing.WorkflowId,
        ["workflowName"] = r.Listing.WorkflowName,
        ["status"] = r.Listing.Status,
        ["createdAt"] = Time(r.Listing.CreatedAt),
        ["lastSeenAt"] = Time(r.Listing.LastSeenAt),
        ["flows"] = r.Listing.Flows,
        ["expectedFlows"] = r.Listing.ExpectedFlows,
        ["variants"] = r.Variants,
        ["store"] = r.Store,
        ["error"] = null,
    };

    public static JsonObject Progress(RunProgress p) => new()
    {
        ["id"] = p.Listing.RunId,
        ["workflowId"] = p.Listing.WorkflowId,
        ["workflowName"] = p.Listing.WorkflowName,
        ["status"] = p.Listing.Status,
        ["createdAt"] = Time(p.Listing.CreatedAt),
        ["lastSeenAt"] = Time(p.Listing.LastSeenAt),
        ["flows"] = p.Listing.Flows,
        ["expectedFlows"] = p.Listing.ExpectedFlows,
        ["variants"] = new JsonArray([.. p.Variants.Select(v => (JsonNode)new JsonObject
        {
            ["id"] = v.VariantId,
            ["flowsDone"] = v.FlowsDone,
            ["flowsTotal"] = v.FlowsTotal,
            ["solved"] = v.Solved,
            ["solvedShare"] = Math.Round(v.SolvedShare, 6),
            ["calls"] = v.Calls,
            ["tokens"] = v.Tokens,
            ["cost"] = Math.Round((double)v.Cost, 6),
            ["flowSeconds"] = Math.Round(v.FlowSeconds, 3),
        })]),
    };

    private static JsonObject Comparison(RunComparison c) => new()
    {
        ["a"] = c.A,
        ["b"] = c.B,
        ["variants"] = new JsonArray([.. c.Variants.Select(v => (JsonNode)new JsonObject
        {
            ["run"] = v.RunId,
            ["variant"] = v.VariantId,
            ["metrics"] = new JsonObject(RunJson.OrderMetrics(v.Metrics.Keys).Select(k => KeyValuePair.Create(k, (JsonNode?)Math.Round(v.Metrics[k], 6)))),
        })]),
        ["problems"] = new JsonArray([.. c.Problems.Select(p => (JsonNode)new JsonObject
        {
            ["id"] = p.ProblemId,
            ["verdict"] = p.Verdict,
            ["solvedByA"] = new JsonArray([.. p.SolvedByA.Select(s => (JsonNode)s)]),
            ["solvedByB"] = new JsonArray([.. p.SolvedByB.Select(s => (JsonNode)s)]),
        })]),
        ["counts"] = new JsonObject(c.Problems.GroupBy(p => p.Verdict).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count()))),
    };
}
