namespace Seidr.Workflows.Definitions;

/// <summary>A place in a workflow file, 1-based.</summary>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column, in characters.</param>
public readonly record struct SourceLocation(int Line, int Column)
{
    /// <summary>Line 1, column 1: where a problem of the whole file is reported.</summary>
    public static SourceLocation Start { get; } = new(1, 1);

    /// <summary><c>line:column</c>.</summary>
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

    /// <summary>A new map with no locations (each call a new one, since maps are filled in place).</summary>
    public static SourceMap Empty => new();

    /// <summary>Records where <paramref name="path"/> stands; the first location recorded for a path is kept.</summary>
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

    /// <summary>Whether <paramref name="path"/> itself was recorded.</summary>
    public bool Contains(string path) => _locations.ContainsKey(path);

    /// <summary>The logical paths of a definition's parts, as readers record them and diagnostics name them.</summary>
    public static class Paths
    {
        /// <summary><c>activities[{id}]</c>: an activity node.</summary>
        public static string Activity(string id) => $"activities[{id}]";

        /// <summary><c>activities[{id}].type</c>: a node's activity type.</summary>
        public static string ActivityType(string id) => $"activities[{id}].type";

        /// <summary><c>activities[{id}].inputs.{input}</c>: one input of a node, by its camelCase name.</summary>
        public static string Input(string id, string input) => $"activities[{id}].inputs.{input}";

        /// <summary><c>connections[{index}]</c>: a connection, by its position in the file.</summary>
        internal static string Connection(int index) => $"connections[{index}]";

        /// <summary><c>connections[{index}].source</c>: where a connection leaves.</summary>
        internal static string ConnectionSource(int index) => $"connections[{index}].source";

        /// <summary><c>connections[{index}].target</c>: where a connection arrives.</summary>
        internal static string ConnectionTarget(int index) => $"connections[{index}].target";

        /// <summary><c>experiment.models.{name}</c>: a model's settings.</summary>
        public static string Model(string name) => $"experiment.models.{name}";

        /// <summary><c>experiment.matrix.{name}</c>: a matrix axis.</summary>
        internal static string Axis(string name) => $"experiment.matrix.{name}";
    }
}
