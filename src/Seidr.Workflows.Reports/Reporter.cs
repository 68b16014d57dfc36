using System.IO.Compression;
using System.Text;
using Seidr.Workflows.Persistence;

namespace Seidr.Workflows.Reports;

/// <summary>Loads runs from a store and writes the HTML report (with its sidecar of candidate trees) and the exports.</summary>
public static class Reporter
{
    /// <summary>Reads the runs in the order given, for a report that sets them side by side.</summary>
    public static async Task<IReadOnlyList<RunAnalysis>> LoadAsync(RunStore store, IReadOnlyList<string> runIds, CancellationToken cancellationToken = default)
    {
        var runs = new List<RunAnalysis>();
        foreach (var id in runIds) runs.Add(await RunAnalysis.LoadAsync(store, id, cancellationToken));
        return runs;
    }

    /// <summary>The sidecar folder of a report page: <c>report.html</c> has <c>report.data/</c> next to it.</summary>
    public static string SidecarOf(string htmlPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(htmlPath))!, Path.GetFileNameWithoutExtension(htmlPath) + ".data");

    /// <summary>
    /// Writes the page and, next to it, its sidecar folder: one small script per problem holding that problem's
    /// candidate trees as gzip-compressed HTML. Problems are rendered one at a time from the store, so memory stays
    /// bounded by the largest problem. The old sidecar is replaced only once the new one is complete.
    /// </summary>
    public static async Task WriteHtmlAsync(IReadOnlyList<RunAnalysis> runs, string path, CancellationToken cancellationToken = default)
    {
        var sidecar = SidecarOf(path);
        var page = HtmlReport.Render(runs, TreeSource.Sidecar(Uri.EscapeDataString(Path.GetFileName(sidecar)) + "/"));
        var temp = sidecar + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, true);
        Directory.CreateDirectory(temp);
        var problems = HtmlReport.Problems(runs);
        for (int i = 0; i < problems.Count; i++)
        {
            var html = await HtmlReport.RenderProblemAsync(runs, problems[i], cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(temp, $"{i}.js"), $"seidrReport.part({i},\"{Gzip(html)}\");\n", cancellationToken);
        }
        if (Directory.Exists(sidecar)) Directory.Delete(sidecar, true);
        Directory.Move(temp, sidecar);
        await WriteAsync(path, page, cancellationToken);
    }

    /// <summary>One problem's candidate trees as HTML, for a server that serves the page with <see cref="TreeSource.Served"/>.</summary>
    public static Task<string> RenderPartAsync(IReadOnlyList<RunAnalysis> runs, int part, CancellationToken cancellationToken = default)
    {
        var problems = HtmlReport.Problems(runs);
        if (part < 0 || part >= problems.Count) throw new ArgumentOutOfRangeException(nameof(part), part, $"the report has problems 0-{problems.Count - 1}");
        return HtmlReport.RenderProblemAsync(runs, problems[part], cancellationToken);
    }

    /// <summary>Writes one CSV row per run, variant and problem (<see cref="Exports.Csv"/>) to <paramref name="path"/>, for notebooks.</summary>
    public static async Task WriteCsvAsync(IReadOnlyList<RunAnalysis> runs, string path, CancellationToken cancellationToken = default) =>
        await WriteAsync(path, Exports.Csv(runs), cancellationToken);

    /// <summary>Streams the JSON lines to the file, one flow's candidates at a time.</summary>
    public static async Task WriteJsonlAsync(IReadOnlyList<RunAnalysis> runs, string path, CancellationToken cancellationToken = default)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var temp = path + ".tmp";
        await using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)) { NewLine = "\n" })
            await Exports.JsonlAsync(runs, writer, cancellationToken);
        File.Move(temp, path, overwrite: true);
    }

    internal static string Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text));
        return Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task WriteAsync(string path, string text, CancellationToken ct)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct);
        File.Move(temp, path, overwrite: true);
    }
}
