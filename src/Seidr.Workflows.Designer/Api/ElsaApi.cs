using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Designer.Api;

/// <summary>
/// The Elsa 3 HTTP API subset Elsa Studio 3.8 calls (docs/elsa-compat.md §3), over the workflow files of a folder.
/// Logical errors are 4xx (Studio retries 5xx for ~14 s); validation errors are a 400 whose <c>errors</c> Studio shows.
/// </summary>
internal sealed class ElsaApi(WorkflowStore store, ActivityCatalog catalog, Func<LoadedWorkflow, ImmutableArray<Diagnostic>> validate, RunManager runs, ILogger logger)
{
    private static readonly JsonSerializerOptions JsonOut = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Per YAML file: Studio's id for an activity it created (up to 16 hex digits) -> the readable id written to the file (connection
    /// lines name activities; Elsa JSON keeps Studio's ids). Studio keeps
    /// its own ids until the page is reloaded, so later saves are translated, and answers are translated back.
    /// </summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _aliases = new(StringComparer.Ordinal);
    public const string Prefix = "/elsa/api";
    public const string InstanceIdHeader = "x-elsa-workflow-instance-id";
    public const string CannotStartHeader = "x-elsa-workflow-cannot-start";

    public void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix);

        // Workflow definitions.
        api.MapGet("/workflow-definitions", ListDefinitions);
        api.MapGet("/workflow-definitions/query/count", () => Json(new JsonObject { ["count"] = store.List().Count }));
        api.MapGet("/workflow-definitions/by-definition-id/{definitionId}", (string definitionId, string? versionOptions) => GetDefinition(definitionId, versionOptions));
        api.MapGet("/workflow-definitions/by-id/{id}", (string id) => GetDefinitionByVersionId(id));
        api.MapGet("/workflow-definitions/many-by-id", ManyById);
        api.MapGet("/workflow-definitions/validation/is-name-unique", IsNameUnique);
        api.MapGet("/workflow-definitions/{definitionId}", (string definitionId, string? versionOptions) => GetDefinition(definitionId, versionOptions));
        api.MapGet("/workflow-definitions/{definitionId}/export", Export);
        api.MapPost("/workflow-definitions", (Func<HttpContext, Task<IResult>>)SaveAsync);
        api.MapPost("/workflow-definitions/{definitionId}/publish", (string definitionId) => Publish(definitionId));
        api.MapPost("/workflow-definitions/{definitionId}/retract", (string definitionId) =>
            Problem(StatusCodes.Status400BadRequest, "Seidr workflow files are always published: there is nothing to retract.", []));
        api.MapPost("/workflow-definitions/{definitionId}/execute", (string definitionId, HttpContext context) => Execute(definitionId, context));

        // Descriptors: ours, and empty lists for the strategies and features Studio asks for.
        api.MapGet("/descriptors/activities", () => Json(List(Descriptors.Activities(catalog, new WorkflowLibrary(store.Directory).Definitions))));
        api.MapGet("/descriptors/expression-descriptors", () => Json(List(Descriptors.Expressions())));
        foreach (var empty in new[] { "workflow-activation-strategies", "incident-strategies", "log-persistence-strategies", "commit-strategies/workflows", "commit-strategies/activities" })
            api.MapGet($"/descriptors/{empty}", () => Json(List([])));
        api.MapGet("/descriptors/variables", () => Json(new JsonObject { ["items"] = Descriptors.VariableTypes() }));
        api.MapGet("/descriptors/storage-drivers", () => Json(new JsonObject { ["items"] = Descriptors.StorageDrivers() }));
        api.MapGet("/descriptors/output-converters", () => Json(new JsonObject { ["items"] = new JsonArray() }));
        api.MapGet("/workflow-contexts/provider-descriptors", () => Json(List([])));
        api.MapGet("/features/installed", () => Json(List([])));

        // Workflow instances: the runs started from the designer.
        api.MapPost("/workflow-instances", ListInstances);
        api.MapGet("/workflow-instances/{id}", (string id) => runs.Find(id) is { } r ? Json(RunJson.Instance(r)) : NotFound($"no run '{id}'"));
        api.MapGet("/workflow-instances/{id}/journal", (string id) => runs.Find(id) is null ? NotFound($"no run '{id}'") : Json(new JsonObject { ["items"] = new JsonArray(), ["totalCount"] = 0 }));
        api.MapPost("/cancel/workflow-instances/{id}", (string id) => runs.Cancel(id) ? Results.Ok() : NotFound($"no running run '{id}'"));

        // Anything else under the API is unsupported: 404, never 500 (Studio retries 5xx).
        api.Map("/{**rest}", (string? rest) => NotFound($"Seidr's designer API does not support '{rest}'"));
    }

    // ---- definitions ----

    private IResult ListDefinitions(HttpContext context)
    {
        var entries = store.List();
        var items = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
        {
            ["id"] = $"{e.DefinitionId}:v1",
            ["definitionId"] = e.Key,
            ["name"] = e.Name ?? e.DefinitionId,
            ["description"] = e.Description,
            ["version"] = 1,
            ["toolVersion"] = StudioModel.ToolVersion,
            ["isLatest"] = true,
            ["isPublished"] = true,
            ["isReadonly"] = false,
            ["isSystem"] = false,
            ["materializerName"] = "Json",
            ["isMaterializerAvailable"] = true,
            ["createdAt"] = new DateTimeOffset(e.LastWriteUtc, TimeSpan.Zero).ToString("O"),
            ["path"] = e.RelativePath,
            ["links"] = StudioModel.Links(e.Key),
        }).ToArray());
        return Json(new JsonObject { ["items"] = items, ["totalCount"] = entries.Count, ["links"] = new JsonArray() });
    }

    /// <summary>A workflow used as an activity, by id, among the folder's workflow files (scanned per request, as the list is).</summary>
    private WorkflowDefinition? FindWorkflow(string definitionId) => new WorkflowLibrary(store.Directory).Find(definitionId)?.Definition;

    private (WorkflowEntry Entry, LoadedWorkflow Loaded)? Load(string definitionId)
    {
        var entry = store.Find(definitionId);
        if (entry is null) return null;
        return (entry, WorkflowFile.Load(entry.Path));
    }

    private IResult GetDefinition(string definitionId, string? versionOptions)
    {
        if (Load(definitionId) is not var (entry, loaded)) return NotFound($"no workflow with id '{definitionId}' in {store.Directory}");
        if (loaded.Definition is null) return Problem(StatusCodes.Status400BadRequest, $"{entry.RelativePath} cannot be read", loaded.Diagnostics);
        return Json(StudioModel.ToStudio(loaded.Definition, catalog, entry.LastWriteUtc, entry.Key, FindWorkflow));
    }

    private IResult GetDefinitionByVersionId(string id)
    {
        foreach (var e in store.List())
        {
            var loaded = WorkflowFile.Load(e.Path);
            if (loaded.Definition is { } d && (d.EffectiveVersionId == id || e.Key == id))
                return Json(StudioModel.ToStudio(d, catalog, e.LastWriteUtc, e.Key, FindWorkflow));
        }
        return NotFound($"no workflow version '{id}'");
    }

    private IResult ManyById(HttpContext context)
    {
        var ids = context.Request.Query["ids"].SelectMany(v => (v ?? "").Split(',')).ToHashSet(StringComparer.Ordinal);
        var items = new JsonArray();
        foreach (var e in store.List())
            if (WorkflowFile.Load(e.Path).Definition is { } d && (ids.Contains(d.EffectiveVersionId) || ids.Contains(e.Key)))
                items.Add(StudioModel.ToStudio(d, catalog, e.LastWriteUtc, e.Key, FindWorkflow));
        return Json(List(items));
    }

    private IResult IsNameUnique(string? name, string? definitionId)
    {
        var trimmed = (name ?? "").Trim();
        var unique = store.List().All(e => e.Key == definitionId || (e.Name ?? e.DefinitionId).Trim() != trimmed);
        return Json(new JsonObject { ["isUnique"] = unique });
    }

    private IResult Export(string definitionId)
    {
        if (Load(definitionId) is not var (_, loaded) || loaded.Definition is null) return NotFound($"no workflow with id '{definitionId}'");
        var text = ElsaJsonFormat.Write(loaded.Definition, catalog);
        return Results.File(System.Text.Encoding.UTF8.GetBytes(text), "application/json", $"{definitionId}.json");
    }

    private IResult Publish(string definitionId)
    {
        if (Load(definitionId) is not var (entry, loaded) || loaded.Definition is null) return NotFound($"no workflow with id '{definitionId}'");
        return Json(SaveResponse(StudioModel.ToStudio(loaded.Definition, catalog, entry.LastWriteUtc, entry.Key, FindWorkflow)));
    }

    /// <summary>
    /// Save, autosave and publish (<c>{model, publish}</c>). The model is merged into the file as it is now and written
    /// back in the file's own spelling, only if it changed and only if it adds no validation error.
    /// </summary>
    private async Task<IResult> SaveAsync(HttpContext context)
    {
        if (!IsJson(context.Request)) return Problem(StatusCodes.Status415UnsupportedMediaType, "send the workflow as application/json", []);
        JsonObject? request;
        try { request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject; }
        catch (JsonException e) { return Problem(StatusCodes.Status400BadRequest, "the request is not valid JSON: " + e.Message, []); }
        if (request?["model"] is not JsonObject model) return Problem(StatusCodes.Status400BadRequest, "the request needs a 'model'", []);
        var definitionId = model["definitionId"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (string.IsNullOrEmpty(definitionId))
            return Problem(StatusCodes.Status400BadRequest, "new workflows are created as files: add a .yaml or .json file to the workflows folder, then open it here", []);

        await store.WriteLock.WaitAsync(context.RequestAborted);
        try
        {
            if (Load(definitionId) is not var (entry, loaded)) return NotFound($"no workflow with id '{definitionId}' in {store.Directory}");
            if (loaded.Definition is not { } current) return Problem(StatusCodes.Status400BadRequest, $"{entry.RelativePath} cannot be read, so it cannot be saved", loaded.Diagnostics);

            var aliases = _aliases.GetOrAdd(entry.Path, _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
            var taken = current.Activities.Select(a => a.Id).Concat(aliases.Values).ToHashSet(StringComparer.Ordinal);
            foreach (var a in (model["root"]?["activities"] as JsonArray ?? []).OfType<JsonObject>())
                if (a["id"] is JsonValue idv && idv.TryGetValue<string>(out var studioId) && !aliases.ContainsKey(studioId) && !taken.Contains(studioId)
                    && entry.Format == WorkflowFormat.Yaml && (!StudioModel.IsReadableId(studioId) || StudioModel.IsGeneratedId(studioId)))
                {
                    var readable = StudioModel.ReadableId(a["name"]?.GetValue<string>(), a["type"]?.GetValue<string>() ?? "activity", taken);
                    aliases[studioId] = readable;
                    taken.Add(readable);
                }
            StudioModel.RenameIds(model, aliases);
            var (merged, problems) = StudioModel.FromStudio(model, current, catalog, FindWorkflow);
            if (merged is null)
                return Problem(StatusCodes.Status400BadRequest, "the workflow cannot be saved",
                    problems.Select(p => new Diagnostic(entry.RelativePath, loaded.SourceMap.Locate(p.Path), p.Path, p.Message)));

            if (!merged.Equals(current))
            {
                // What the reader could not take into the model (a negative budget, an unknown field) would vanish from a
                // rewritten file, so a file with such errors is not rewritten until they are fixed in it.
                var unread = loaded.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
                if (unread.Count > 0)
                    return Problem(StatusCodes.Status400BadRequest, $"not saved: {entry.RelativePath} has errors a save would drop; fix them in the file first",
                        unread.Select(d => d with { File = entry.RelativePath, Message = d.Message + " (fix it in the file: saving from the designer would drop it)" }));
                var text = WorkflowFile.Write(merged, entry.Format, catalog);
                var reloaded = WorkflowFile.Parse(text, entry.Path, entry.Format);
                var before = validate(loaded).Where(d => d.Severity == Severity.Error).Select(d => (d.Path, d.Message)).ToHashSet();
                var added = validate(reloaded).Where(d => d.Severity == Severity.Error && !before.Contains((d.Path, d.Message))).ToList();
                if (added.Count > 0)
                {
                    logger.LogInformation("refused to save {File}: {Errors}", entry.RelativePath, string.Join("; ", added.Select(d => d.Message)));
                    return Problem(StatusCodes.Status400BadRequest, $"not saved: the edit makes {entry.RelativePath} invalid", added.Select(d => d with { File = entry.RelativePath }));
                }
                WorkflowFile.Save(merged, entry.Path, catalog);
                logger.LogInformation("saved {File}", entry.RelativePath);
                current = merged;
            }
            var saved = StudioModel.ToStudio(current, catalog, File.GetLastWriteTimeUtc(entry.Path), entry.Key, FindWorkflow);
            StudioModel.RenameIds(saved, aliases.Where(kv => current.FindActivity(kv.Value) is not null).ToDictionary(kv => kv.Value, kv => kv.Key));
            return Json(SaveResponse(saved));
        }
        finally { store.WriteLock.Release(); }
    }

    private static JsonObject SaveResponse(JsonObject definition) => new()
    {
        ["workflowDefinition"] = definition,
        ["alreadyPublished"] = false,
        ["consumingWorkflowCount"] = 0,
        ["validationErrors"] = new JsonArray(),
    };

    // ---- runs ----

    /// <summary>Starts a run of the saved file in the background and answers at once with the run id in <c>x-elsa-workflow-instance-id</c>.</summary>
    private IResult Execute(string definitionId, HttpContext context)
    {
        var response = context.Response;
        response.Headers["x-elsa-response"] = "true";
        if (Load(definitionId) is not var (entry, loaded)) return NotFound($"no workflow with id '{definitionId}'");
        if (!runs.CanRun)
        {
            response.Headers[CannotStartHeader] = "true";
            return Problem(StatusCodes.Status400BadRequest, "this designer has no runner configured, so workflows cannot be run from it (use `seidr serve`)", []);
        }
        var errors = validate(loaded).Where(d => d.Severity == Severity.Error).ToList();
        if (loaded.Definition is null || errors.Count > 0)
        {
            var refused = runs.Refused(entry, loaded.Definition, errors.Select(d => d with { File = entry.RelativePath }));
            response.Headers[CannotStartHeader] = "true";
            response.Headers["x-seidr-run-id"] = refused.Id;
            return Problem(StatusCodes.Status400BadRequest, $"{entry.RelativePath} is not valid, so it cannot run", errors.Select(d => d with { File = entry.RelativePath }));
        }
        var record = runs.Start(entry, loaded.Definition);
        response.Headers[InstanceIdHeader] = record.Id;
        response.Headers[CannotStartHeader] = "false";
        return Json(new JsonObject { ["workflowState"] = RunJson.Instance(record)["workflowState"]!.DeepClone() });
    }

    private IResult ListInstances(HttpContext context)
    {
        var all = runs.List();
        return Json(new JsonObject { ["items"] = new JsonArray(all.Select(r => (JsonNode)RunJson.Summary(r)).ToArray()), ["totalCount"] = all.Count, ["links"] = new JsonArray() });
    }

    // ---- helpers ----

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } ct && (ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || ct.Contains("+json", StringComparison.OrdinalIgnoreCase));

    public static JsonObject List(JsonArray items) => new() { ["items"] = items, ["count"] = items.Count };

    public static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(JsonOut), "application/json; charset=utf-8");

    public static IResult NotFound(string message) => Problem(StatusCodes.Status404NotFound, message, []);

    /// <summary>
    /// A problem-details body. Studio turns a 400 into validation errors from <c>errors</c> (ProblemDetails.Errors, a map of
    /// lists) and shows each as a snackbar message; each diagnostic is one message, <c>file:line:column: error: ...</c>.
    /// </summary>
    public static IResult Problem(int status, string title, IEnumerable<Diagnostic> diagnostics)
    {
        var list = diagnostics.ToList();
        var errors = new JsonObject();
        foreach (var group in list.GroupBy(d => d.Path.Length > 0 ? d.Path : "workflow"))
            errors[group.Key] = new JsonArray(group.Select(d => (JsonNode)d.ToString()).ToArray());
        if (list.Count == 0) errors["workflow"] = new JsonArray(title);
        var body = new JsonObject
        {
            ["type"] = status == 404 ? "https://tools.ietf.org/html/rfc9110#section-15.5.5" : "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            ["title"] = title,
            ["status"] = status,
            ["errors"] = errors,
            ["diagnostics"] = new JsonArray(list.Select(d => (JsonNode)new JsonObject
            {
                ["file"] = d.File,
                ["line"] = d.Location.Line,
                ["column"] = d.Location.Column,
                ["path"] = d.Path,
                ["severity"] = d.Severity.ToString().ToLowerInvariant(),
                ["message"] = d.Message,
            }).ToArray()),
        };
        return Results.Text(body.ToJsonString(JsonOut), "application/problem+json; charset=utf-8", statusCode: status);
    }
}
