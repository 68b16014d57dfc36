using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Seidr.Workflows.Designer.Api;

namespace Seidr.Workflows.Designer;

/// <summary>The host page (Studio's editor element plus a plain list of the workflows) and the run page.</summary>
internal static class Pages
{
    private static readonly Lazy<string> IndexTemplate = new(() => Resource("index.html"));
    public static readonly Lazy<string> HostScript = new(() => Resource("host.js"));

    internal static string Resource(string name)
    {
        using var stream = typeof(Pages).Assembly.GetManifestResourceStream($"Seidr.Workflows.Designer.Pages.{name}")
            ?? throw new InvalidOperationException($"missing embedded page {name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <param name="workflows">The workflow files listed beside the editor.</param>
    /// <param name="open">The workflow opened in the editor, or null.</param>
    /// <param name="apiBase">Absolute API URL without a trailing slash, e.g. http://127.0.0.1:5000/elsa/api.</param>
    /// <param name="apiKey">The key the editor sends to the API, or null when none is needed.</param>
    /// <param name="directoryLabel">The workflow folder as the page names it.</param>
    /// <param name="missingId">An id that was asked for but not found, shown instead of the editor; or null.</param>
    public static string Index(IReadOnlyList<WorkflowEntry> workflows, WorkflowEntry? open, string apiBase, string? apiKey, string directoryLabel, string? missingId)
    {
        var list = new StringBuilder();
        foreach (var w in workflows)
            list.Append(CultureInfo.InvariantCulture,
                $"<li><a href=\"?id={Uri.EscapeDataString(w.Key)}\" data-definition-id=\"{H(w.Key)}\"{(w == open ? " class=\"current\"" : "")}>{H(w.Name ?? w.DefinitionId)}<small>{H(w.RelativePath)}</small></a></li>");
        if (workflows.Count == 0) list.Append("<li><small style=\"padding:6px 14px;display:block\">No workflow files (*.yaml, *.yml, *.json) found.</small></li>");

        string editor;
        if (open is not null)
            editor = $"<elsa-workflow-definition-editor definition-id=\"{H(open.Key)}\" remote-endpoint=\"{H(apiBase)}\"" +
                     (apiKey is null ? "" : $" api-key=\"{H(apiKey)}\"") + "></elsa-workflow-definition-editor>";
        else if (missingId is not null)
            editor = $"<div id=\"seidr-empty\">No workflow with id <code>{H(missingId)}</code> in {H(directoryLabel)}.</div>";
        else
            editor = "<div id=\"seidr-empty\">Open a workflow from the list.</div>";

        return IndexTemplate.Value
            .Replace("{{TITLE}}", H(open?.Name ?? open?.DefinitionId ?? "Workflows"))
            .Replace("{{DIRECTORY}}", H(directoryLabel))
            .Replace("{{WORKFLOWS}}", list.ToString())
            .Replace("{{EDITOR}}", editor)
            .Replace("{{DEFINITION_ID_JS}}", JsonSerializer.Serialize(open?.Key).Replace("<", "\\u003c"));
    }

    public static string Run(RunRecord r)
    {
        var status = r.IsRunning ? "Executing" : RunJson.SubStatus(r);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/>");
        if (r.IsRunning) sb.Append("<meta http-equiv=\"refresh\" content=\"2\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<title>Run {H(r.Id)} · {H(status)}</title>");
        sb.Append("<style>body{font-family:system-ui,sans-serif;margin:24px;font-size:14px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}th:first-child,td:first-child{text-align:left}.Finished{color:#1b7f3b}.Faulted{color:#b3261e}.Executing{color:#8a6d00}</style></head><body>");
        sb.Append(CultureInfo.InvariantCulture, $"<h1>Run <code>{H(r.Id)}</code></h1>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>Workflow <a href=\"/?id={Uri.EscapeDataString(r.DefinitionId)}\">{H(r.Name ?? r.DefinitionId)}</a> · status <b id=\"status\" class=\"{H(status)}\">{H(status)}</b>");
        if (r.TotalFlows > 0) sb.Append(CultureInfo.InvariantCulture, $" · {r.CompletedFlows}/{r.TotalFlows} flows");
        if (r.Result is { } res) sb.Append(CultureInfo.InvariantCulture, $" · {res.Duration.TotalSeconds:0.###} s");
        sb.Append("</p>");
        if (r.Error is not null) sb.Append(CultureInfo.InvariantCulture, $"<p id=\"error\">{H(r.Error)}</p>");
        if (!r.Messages.IsEmpty) sb.Append("<ul>").AppendJoin("", r.Messages.Select(m => $"<li><code>{H(m)}</code></li>")).Append("</ul>");
        if (r.Result is { Variants.Length: > 0 } result)
        {
            var keys = RunJson.OrderMetrics(result.Variants.SelectMany(v => v.Metrics.Keys).Distinct()).ToList();
            sb.Append("<h2>Summary per variant</h2><table id=\"summary\"><tr><th>variant</th>").AppendJoin("", keys.Select(k => $"<th>{H(k)}</th>")).Append("</tr>");
            foreach (var v in result.Variants)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{H(v.Variant.Id)}</td>");
                foreach (var k in keys)
                    sb.Append("<td>").Append(v.Metrics.TryGetValue(k, out var m) ? (m == Math.Floor(m) ? m.ToString("0", CultureInfo.InvariantCulture) : m.ToString("0.###", CultureInfo.InvariantCulture)) : "").Append("</td>");
                sb.Append("</tr>");
            }
            sb.Append("</table>");
        }
        if (r.SummaryPath is not null) sb.Append(CultureInfo.InvariantCulture, $"<p>Summary file: <code>{H(r.SummaryPath)}</code></p>");
        if (r.OutputDirectory.Length > 0) sb.Append(CultureInfo.InvariantCulture, $"<p>Output: <code>{H(r.OutputDirectory)}</code></p>");
        sb.Append("</body></html>");
        return sb.ToString();
    }
}
