using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Seidr.Workflows.Designer.Api;
using Seidr.Workflows.Designer.Live;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Serialization;
using Seidr.Workflows.Runtime;
using Seidr.Workflows.Validation;

namespace Seidr.Workflows.Designer;

/// <summary>
/// <c>seidr serve</c>: an ASP.NET Core host on loopback that serves the real Elsa Studio (the npm bundle) and, on the
/// same origin, an Elsa-compatible API over the workflow files of a folder. Saving in the designer writes the file back
/// in its own spelling; Run starts the workflow in the background.
/// </summary>
public sealed class DesignerHost : IAsyncDisposable
{
    /// <summary>The cookie that carries the API key once the page was opened with <c>?key=</c>.</summary>
    internal const string ApiKeyCookie = "seidr-designer-key";
    private readonly WebApplication _app;
    private int _stopped;

    private DesignerHost(WebApplication app, Uri url, WorkflowStore store, RunManager runs, string? studioDirectory)
    {
        _app = app;
        Url = url;
        Store = store;
        Runs = runs;
        StudioDirectory = studioDirectory;
    }

    /// <summary>The page, e.g. <c>http://127.0.0.1:5000/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The Elsa API root Studio is pointed at (absolute, no trailing slash).</summary>
    public string ApiUrl => new Uri(Url, ElsaApi.Prefix).ToString().TrimEnd('/');

    /// <summary>The workflows folder served (absolute).</summary>
    public string WorkflowsDirectory => Store.Directory;

    internal WorkflowStore Store { get; }
    internal RunManager Runs { get; }

    /// <summary>Where the Studio bundle is served from; null when it is not installed (the page says how to install it).</summary>
    public string? StudioDirectory { get; }

    internal static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Binds, starts serving and returns once the host listens (<see cref="Url"/> has the port picked for 0).</summary>
    /// <exception cref="ArgumentException">The address is not an IP address, or is not loopback and no API key is given.</exception>
    /// <exception cref="DirectoryNotFoundException">The workflows folder does not exist.</exception>
    public static async Task<DesignerHost> StartAsync(DesignerOptions options, CancellationToken cancellationToken = default)
    {
        var address = ParseAddress(options.Host);
        var apiKey = string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey;
        if (!IPAddress.IsLoopback(address) && apiKey is null)
            throw new ArgumentException($"binding to {options.Host} exposes the workflows folder to the network: give an API key (--api-key or SEIDR_DESIGNER_API_KEY), or bind to 127.0.0.1");
        if (!Directory.Exists(options.WorkflowsDirectory))
            throw new DirectoryNotFoundException($"the workflows folder {Path.GetFullPath(options.WorkflowsDirectory)} does not exist");

        var studioDirectory = StudioBundle.Locate(options.StudioDirectory);
        var bundle = studioDirectory is null ? null : new StudioBundle(studioDirectory);
        var store = new WorkflowStore(options.WorkflowsDirectory);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("Seidr.Designer");
        var runsDirectory = Path.GetFullPath(options.RunsDirectory
            ?? Path.Combine(ProjectLayout.For(Path.Combine(store.Directory, "workflow.yaml"), options.Configuration).Root, "runs"));
        var runs = new RunManager(options.Runner ?? DesignerRunners.Runtime(options.Configuration, w => logger.LogWarning("{Warning}", w), options.Store), runsDirectory, logger);
        var sharedStore = options.Store is { Length: > 0 } s ? Persistence.StoreLocation.Parse(s) : null;
        var catalogOfRuns = new RunCatalog(sharedStore, runsDirectory, options.ProgressInterval, LiveApi.FromMemory(runs));
        var catalog = options.Catalog ?? ExperimentRunner.Catalog;
        Func<LoadedWorkflow, ImmutableArray<Diagnostic>> validate = options.Validate
            ?? (options.Catalog is null ? loaded => ExperimentRunner.Validate(loaded, options.Configuration) : new WorkflowValidator(catalog).Validate);
        var api = new ElsaApi(store, catalog, validate, runs, logger);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(address, options.Port);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        var app = builder.Build();

        app.Use(async (context, next) =>
        {
            try { await next(context); }
            catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // Studio retries 5xx for ~14 s before failing; a 400 with the reason shows at once.
                logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                await ElsaApi.Problem(StatusCodes.Status400BadRequest, $"the designer could not handle this request: {e.Message}", []).ExecuteAsync(context);
            }
        });
        app.Use((context, next) => Guard(context, next, apiKey, address));

        api.Map(app);
        MapDesigner(app, store, runs, bundle, apiKey);
        LiveApi.Map(app, catalogOfRuns, runs);
        RunsPage.Map(app);

        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(bound).Port;
        var hostName = address.Equals(IPAddress.Any) ? "127.0.0.1" : address.Equals(IPAddress.IPv6Any) ? "[::1]" : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        var url = new Uri($"http://{hostName}:{port}/");
        logger.LogInformation("Seidr designer on {Url} over {Directory}; Studio bundle: {Studio}", url, store.Directory, studioDirectory ?? "not installed");
        return new DesignerHost(app, url, store, runs, studioDirectory);
    }

    private static IPAddress ParseAddress(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (host is "*" or "+") return IPAddress.Any;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : throw new ArgumentException($"'{host}' is not an IP address to bind (use 127.0.0.1, ::1, 0.0.0.0 or a local interface address)");
    }

    /// <summary>
    /// Without an API key, only loopback Host names are served (no DNS rebinding onto the workflows folder). Writes must
    /// come from the page's own origin. With an API key, the page and the APIs need it; the Studio bundle's public files do not.
    /// </summary>
    private static Task Guard(HttpContext context, RequestDelegate next, string? apiKey, IPAddress address)
    {
        var request = context.Request;
        var path = request.Path;
        if (apiKey is null && IPAddress.IsLoopback(address) && !IsLoopback(request.Host.Host))
            return Deny(context, StatusCodes.Status400BadRequest, $"this designer only answers to loopback host names, not '{request.Host.Host}'");
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && request.Headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
            return Deny(context, StatusCodes.Status403Forbidden, "cross-origin writes are not allowed");
        if (apiKey is null) return next(context);

        var isPage = path == "/" || path.StartsWithSegments("/runs") || path.StartsWithSegments("/index.html");
        var isApi = path.StartsWithSegments(ElsaApi.Prefix) || path.StartsWithSegments("/designer/api");
        if (!isPage && !isApi) return next(context);
        if (isPage && request.Query["key"] is { Count: 1 } k && KeyEquals(k.ToString(), apiKey))
        {
            context.Response.Cookies.Append(ApiKeyCookie, apiKey, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            var rest = string.Join("&", request.Query.Where(q => q.Key != "key").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}"));
            context.Response.Redirect(path + (rest.Length > 0 ? "?" + rest : ""));
            return Task.CompletedTask;
        }
        var header = request.Headers.Authorization.ToString();
        var given = header.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim()
            : request.Cookies.TryGetValue(ApiKeyCookie, out var cookie) ? cookie : null;
        if (given is not null && KeyEquals(given, apiKey)) return next(context);
        context.Response.Headers.WWWAuthenticate = "ApiKey";
        return Deny(context, StatusCodes.Status401Unauthorized, isPage ? "open the designer with ?key=<api key>" : "send Authorization: ApiKey <key>");
    }

    private static bool KeyEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static Task Deny(HttpContext context, int status, string message) =>
        ElsaApi.Problem(status, message, []).ExecuteAsync(context);

    private static void MapDesigner(WebApplication app, WorkflowStore store, RunManager runs, StudioBundle? bundle, string? apiKey)
    {
        app.MapGet("/", (HttpContext context, string? id) =>
        {
            if (bundle is null)
                return Results.Content(
                    "<!DOCTYPE html><html><body style=\"font-family:sans-serif;margin:40px\"><h1>Seidr designer</h1>" +
                    "<p>The Elsa Studio bundle is not installed. Run <code>scripts/install-studio.sh</code> (or set SEIDR_STUDIO_DIR / --studio) and restart.</p>" +
                    "<p>The API is up at <code>/elsa/api</code>.</p></body></html>", "text/html; charset=utf-8");
            var workflows = store.List();
            var open = id is null ? workflows.FirstOrDefault() : workflows.FirstOrDefault(w => w.Key == id);
            var apiBase = $"{context.Request.Scheme}://{context.Request.Host}{ElsaApi.Prefix}";
            var label = Path.GetFileName(store.Directory.TrimEnd(Path.DirectorySeparatorChar));
            context.Response.Headers.CacheControl = "no-store";
            return Results.Content(Pages.Index(workflows, open, apiBase, apiKey, label, id is not null && open is null ? id : null), "text/html; charset=utf-8");
        });
        app.MapGet("/index.html", () => Results.Redirect("/"));
        app.MapGet("/designer/host.js", () => Results.Text(Pages.HostScript.Value, "text/javascript; charset=utf-8"));
        // The runtime loads appsettings.json next to the page; point its backend at this host (the element's remote-endpoint wins anyway).
        app.MapGet("/appsettings.json", (HttpContext context) => ElsaApi.Json(new JsonObject
        {
            ["Backend"] = new JsonObject { ["Url"] = $"{context.Request.Scheme}://{context.Request.Host}{ElsaApi.Prefix}" },
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
        }));
        app.MapGet("/runs/{id}", (string id) => runs.Find(id) is { } r
            ? Results.Content(Pages.Run(r), "text/html; charset=utf-8")
            // Not started in this session: the runs page follows it from its store (or says it does not know it).
            : Results.Redirect($"/runs?run={Uri.EscapeDataString(id)}"));
        // Studio navigates here after Run when the page has not set its callback.
        app.MapGet("/workflows/instances/{id}/view", (string id) => Results.Redirect($"/runs/{Uri.EscapeDataString(id)}"));

        app.MapGet("/designer/api/workflows", () => ElsaApi.Json(new JsonObject
        {
            ["items"] = new JsonArray(store.List().Select(w => (JsonNode)new JsonObject
            {
                ["definitionId"] = w.Key,
                ["id"] = w.DefinitionId,
                ["name"] = w.Name,
                ["path"] = w.RelativePath,
                ["format"] = w.Format.ToString().ToLowerInvariant(),
            }).ToArray()),
        }));
        app.MapGet("/designer/api/runs", (string? definitionId) => ElsaApi.Json(new JsonObject
        {
            ["items"] = new JsonArray(runs.List(definitionId).Select(r => (JsonNode)RunJson.Run(r)).ToArray()),
        }));
        app.MapGet("/designer/api/runs/{id}", (string id) => runs.Find(id) is { } r ? ElsaApi.Json(RunJson.Run(r)) : ElsaApi.NotFound($"no run '{id}'"));
        app.MapPost("/designer/api/runs/{id}/cancel", (string id) => runs.Cancel(id) ? Results.Accepted() : ElsaApi.NotFound($"no running run '{id}'"));

        // Everything else: the Studio bundle's files, verbatim.
        app.MapFallback("{**path}", async context =>
        {
            if (bundle is not null && await bundle.TryServeAsync(context)) return;
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        });
    }

    /// <summary>Completes when the host stops (Ctrl+C is the caller's business: cancel the token).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Cancels the runs started from the page, waits (up to 10 s) for them to record how they ended, then stops serving.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await Runs.DisposeAsync();
        await _app.StopAsync(cancellationToken);
    }

    /// <summary>Stops the host (<see cref="StopAsync"/>) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
