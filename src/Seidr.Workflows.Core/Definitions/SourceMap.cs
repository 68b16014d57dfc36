namespace Seidr.Workflows.Definitions;

/// <summary>A place in a workflow file, 1-based.</summary>
public readonly record struct SourceLocation(int Line, int Column)
{
    public static SourceLocation Start { get; } = new(1, 1);
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>
/// Where each element of a loaded definition stands in its file, by logical path
/// (<c>activities[draft].inputs.samples</c>, <c>connections[2].target</c>, <c>experiment.matrix.model</c>).
/// The same paths are used for YAML and JSON, so the validator is format-agnostic.
/// </summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, SourceLocation> _locations = new(StringComparer.Ordinal);

    public static SourceMap Empty => new();

    public void Add(string path, SourceLocation location) => _locations.TryAdd(path, location);

    /// <summary>The location of the path, or of its nearest recorded ancestor, or the file start.</summary>
    public SourceLocation Locate(string path)
    {
        var p = path;
        while (true)
        {
            if (_locations.TryGetValue(p, out var loc)) return loc;
            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 0) return SourceLocation.Start;
            p = p[..cut];
        }
    }

    public bool Contains(string path) => _locations.ContainsKey(path);

    public static class Paths
    {
        public static string Activity(string id) => $"activities[{id}]";
        public static string ActivityType(string id) => $"activities[{id}].type";
        public static string Input(string id, string input) => $"activities[{id}].inputs.{input}";
        public static string Connection(int index) => $"connections[{index}]";
        public static string ConnectionSource(int index) => $"connections[{index}].source";
        public static string ConnectionTarget(int index) => $"connections[{index}].target";
        public static string Experiment(string field) => $"experiment.{field}";
        public static string Model(string name) => $"experiment.models.{name}";
        public static string Axis(string name) => $"experiment.matrix.{name}";
    }
}
