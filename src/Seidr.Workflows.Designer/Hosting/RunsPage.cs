using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Seidr.Workflows.Designer;

/// <summary>The runs page (<c>/runs</c>): every run of the stores, followed live; reports; two runs compared. All in <c>Pages/runs.*</c>.</summary>
internal static class RunsPage
{
    private static readonly Lazy<string> Html = new(() => Pages.Resource("runs.html"));
    private static readonly Lazy<string> Script = new(() => Pages.Resource("runs.js"));

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/runs", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Content(Html.Value, "text/html; charset=utf-8");
        });
        app.MapGet("/designer/runs.js", () => Results.Text(Script.Value, "text/javascript; charset=utf-8"));
    }
}
