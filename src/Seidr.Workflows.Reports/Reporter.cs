using Seidr.Workflows.Persistence;

namespace Seidr.Workflows.Reports;

/// <summary>Loads runs from a store and writes the HTML report and the exports.</summary>
public static class Reporter
{
    public static async Task<IReadOnlyList<RunAnalysis>> LoadAsync(RunStore store, IReadOnlyList<string> runIds, CancellationToken cancellationToken = default)
    {
        var runs = new List<RunAnalysis>();
        foreach (var id in runIds) runs.Add(new RunAnalysis(await store.LoadRunAsync(id, cancellationToken)));
        return runs;
    }

    public static async Task WriteHtmlAsync(IReadOnlyList<RunAnalysis> runs, string path, CancellationToken cancellationToken = default) =>
        await WriteAsync(path, HtmlReport.Render(runs), cancellationToken);

    public static async Task WriteCsvAsync(IReadOnlyList<RunAnalysis> runs, string path, CancellationToken cancellationToken = default) =>
        await WriteAsync(path, Exports.Csv(runs), cancellationToken);

    public static async Task WriteJsonlAsync(IReadOnlyList<RunAnalysis> runs, string path, CancellationToken cancellationToken = default)
    {
        var writer = new StringWriter { NewLine = "\n" };
        Exports.Jsonl(runs, writer);
        await WriteAsync(path, writer.ToString(), cancellationToken);
    }

    private static async Task WriteAsync(string path, string text, CancellationToken ct)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct);
        File.Move(temp, path, overwrite: true);
    }
}
