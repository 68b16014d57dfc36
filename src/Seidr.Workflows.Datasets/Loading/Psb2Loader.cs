using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// How many PSB2 cases a problem gets, as the PSB2 paper's protocol has it (train: every edge case and 200 random
/// ones; test: 2,000 random ones), drawn with <see cref="Seed"/>. Train cases are the visible tests, test cases the
/// hidden ones; the random cases of the two are drawn without overlap. Null counts mean "every case".
/// </summary>
public sealed record Psb2Split
{
    /// <summary>Everything visible and hidden: every edge case visible, every random case hidden (no sampling).</summary>
    public static Psb2Split All { get; } = new();

    /// <summary>The PSB2 paper's protocol: 200 train cases (edge cases first) and 2,000 test cases.</summary>
    public static Psb2Split Paper { get; } = new() { TrainRandom = 200, TestRandom = 2000 };

    /// <summary>Edge cases in the train set (null: all of them).</summary>
    public int? TrainEdge { get; init; }

    /// <summary>Random cases in the train set (null: none when <see cref="TestRandom"/> is set, else none).</summary>
    public int? TrainRandom { get; init; }

    /// <summary>Random cases in the test set (null: every random case not drawn for training).</summary>
    public int? TestRandom { get; init; }

    /// <summary>Seeds the draw of random cases (mixed with the problem's name), so a split is the same on every machine.</summary>
    public int Seed { get; init; }
}

/// <summary>
/// Reads a PSB2 download as the <c>psb2</c> Python package caches it: <c>&lt;root&gt;/&lt;problem&gt;/&lt;problem&gt;-edge.json</c>
/// and <c>-random.json</c>, JSON lines of <c>input1..n</c> and <c>output1..n</c> (random files hold a million cases).
/// Each problem becomes a stdin/stdout problem: inputs one per line (lists space-separated), outputs likewise.
/// Descriptions come from a <c>description.txt</c> in the problem folder, else from PSB2's <c>tasks.txt</c> (the 25
/// descriptions from Helmuth and Kelly 2021, as SEIDR ships them in psb2-meta/tasks.txt, MIT).
/// </summary>
public static class Psb2Loader
{
    /// <summary>PSB2 problem folders at or under <paramref name="path"/> (name = folder name), in name order.</summary>
    public static IReadOnlyList<(string Folder, string Name)> Folders(string path)
    {
        var self = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        if (File.Exists(Path.Combine(path, $"{self}-edge.json")) || File.Exists(Path.Combine(path, $"{self}-random.json")))
            return [(path, self)];
        return Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal)
            .Select(d => (Folder: d, Name: Path.GetFileName(d)))
            .Where(x => File.Exists(Path.Combine(x.Folder, $"{x.Name}-edge.json")) || File.Exists(Path.Combine(x.Folder, $"{x.Name}-random.json")))
            .ToList();
    }

    /// <summary>Every PSB2 problem at or under <paramref name="path"/>, split as <paramref name="split"/> says.</summary>
    public static IReadOnlyList<Problem> Load(string path, Psb2Split? split = null, string? tasksFile = null)
    {
        var folders = Folders(path);
        if (folders.Count == 0) throw new DatasetException(path, 0, "a folder must hold PSB2 problems: <name>/<name>-edge.json and <name>-random.json, or those two files");
        var tasks = tasksFile is not null && File.Exists(tasksFile) ? ReadTasks(tasksFile) : ImmutableDictionary<string, string>.Empty;
        return folders.Select(f => LoadOne(f.Folder, f.Name, split ?? Psb2Split.All, tasks)).ToList();
    }

    /// <summary>
    /// PSB2's tasks.txt: a problem's name on one line and its description on the next. Typographic ligatures from the
    /// paper's PDF (ﬁ, ﬀ) are unfolded so prompts read as plain text.
    /// </summary>
    public static ImmutableDictionary<string, string> ReadTasks(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count % 2 != 0) throw new DatasetException(path, lines.Count, "PSB2 tasks.txt alternates a name line and a description line; the last name has no description");
        var tasks = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Count; i += 2)
        {
            var text = Unligature(lines[i + 1]);
            // SEIDR's file carries the paper's next heading and an older Indices of Substring text on gcd's line (a
            // table extraction slip); the description ends before it.
            var slip = text.IndexOf(" Indices of Substring (CW)", StringComparison.Ordinal);
            tasks[lines[i]] = slip > 0 ? text[..slip] : text;
        }
        return tasks.ToImmutable();
    }

    /// <summary>The Latin ligatures spelled out (by hand: string.Normalize does nothing in invariant-globalization mode).</summary>
    private static string Unligature(string text) => text
        .Replace("\ufb00", "ff", StringComparison.Ordinal).Replace("\ufb01", "fi", StringComparison.Ordinal).Replace("\ufb02", "fl", StringComparison.Ordinal)
        .Replace("\ufb03", "ffi", StringComparison.Ordinal).Replace("\ufb04", "ffl", StringComparison.Ordinal);

    private static Problem LoadOne(string folder, string name, Psb2Split split, ImmutableDictionary<string, string> tasks)
    {
        var edgePath = Path.Combine(folder, $"{name}-edge.json");
        var randomPath = Path.Combine(folder, $"{name}-random.json");
        var edgeLines = File.Exists(edgePath) ? NonBlankLines(edgePath) : [];
        var randomLines = File.Exists(randomPath) ? NonBlankLines(randomPath) : [];
        if (randomLines.Count == 0) throw new DatasetException(randomPath, 0, "PSB2 problem has no random cases (they are its hidden tests)");

        var rng = new Random(HashCode(name, split.Seed));
        var edge = split.TrainEdge is { } e && e < edgeLines.Count ? Draw(edgeLines, e, rng) : edgeLines;
        var trainRandom = split.TrainRandom ?? 0;
        var testRandom = split.TestRandom ?? randomLines.Count - trainRandom;
        if (trainRandom + testRandom > randomLines.Count)
            throw new DatasetException(randomPath, 0, $"{trainRandom} train and {testRandom} test cases were asked for, but the file has {randomLines.Count} random cases");
        // One draw without replacement: the first cases are train, the rest test, so the two never share a case.
        var drawn = split.TrainRandom is null && split.TestRandom is null ? randomLines : Draw(randomLines, trainRandom + testRandom, rng);
        var visible = edge.Concat(drawn.Take(trainRandom)).Select(Case).ToImmutableArray();
        var hidden = drawn.Skip(trainRandom).Select(Case).ToImmutableArray();

        var descriptionFile = new[] { Path.Combine(folder, "description.txt"), Path.Combine(folder, $"{name}.md") }.FirstOrDefault(File.Exists);
        var description = descriptionFile is not null ? File.ReadAllText(descriptionFile).Trim()
            : tasks.TryGetValue(name, out var d) ? d
            : $"PSB2 problem '{name}'.";
        return new Problem
        {
            Id = $"PSB2/{name}",
            Dataset = "psb2",
            Prompt = ProblemFileLoader.StdioPrompt(description),
            Description = description,
            Shape = ProblemShape.StdinStdout,
            Visible = visible,
            Hidden = hidden,
        };
    }

    /// <summary>A seed from the problem's name and the split's seed that does not change between .NET versions (string.GetHashCode does).</summary>
    private static int HashCode(string name, int seed)
    {
        unchecked
        {
            uint h = 2166136261;
            foreach (var b in Encoding.UTF8.GetBytes(name)) h = (h ^ b) * 16777619;
            return (int)(h ^ (uint)seed * 2654435761u);
        }
    }

    /// <summary><paramref name="count"/> of the items, drawn without replacement, in file order.</summary>
    private static List<(string Path, int Line, string Text)> Draw(List<(string Path, int Line, string Text)> items, int count, Random rng)
    {
        var indices = Enumerable.Range(0, items.Count).ToArray();
        // A partial Fisher-Yates shuffle: the first `count` positions are a uniform sample.
        for (int i = 0; i < count; i++)
        {
            var j = rng.Next(i, indices.Length);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return indices.Take(count).Select(i => items[i]).ToList();
    }

    private static List<(string Path, int Line, string Text)> NonBlankLines(string path)
    {
        var lines = new List<(string, int, string)>();
        using var reader = new StreamReader(JsonLines.OpenRead(path));
        int n = 0;
        while (reader.ReadLine() is { } line)
        {
            n++;
            if (!string.IsNullOrWhiteSpace(line)) lines.Add((path, n, line));
        }
        return lines;
    }

    private static TestSpec Case((string Path, int Line, string Text) item)
    {
        // Lines are parsed only once drawn: a million-line random file is read, not parsed.
        JsonElement e;
        var path = item.Path;
        try
        {
            using var doc = JsonDocument.Parse(item.Text);
            e = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new DatasetException(path, item.Line, $"not valid JSON: {ex.Message}");
        }
        if (e.ValueKind != JsonValueKind.Object) throw new DatasetException(path, item.Line, "a PSB2 case is an object of input1..n and output1..n");
        var inputs = Numbered(e, "input", path, item.Line);
        var outputs = Numbered(e, "output", path, item.Line);
        if (outputs.Count == 0) throw new DatasetException(path, item.Line, "field 'output1' is missing");
        return new IoTest(string.Concat(inputs.Select(v => v + "\n")), string.Concat(outputs.Select(v => v + "\n")));
    }

    private static List<string> Numbered(JsonElement e, string prefix, string path, int line)
    {
        var values = new List<string>();
        for (int i = 1; e.TryGetProperty(prefix + i.ToString(CultureInfo.InvariantCulture), out var v); i++) values.Add(Format(v, path, line));
        foreach (var p in e.EnumerateObject())
            if (!p.Name.StartsWith("input", StringComparison.Ordinal) && !p.Name.StartsWith("output", StringComparison.Ordinal))
                throw new DatasetException(path, line, $"unknown field '{p.Name}' (a PSB2 case has input1..n and output1..n)");
        return values;
    }

    /// <summary>One value on one line: text as it is, numbers as written, booleans as true/false, lists space-separated.</summary>
    private static string Format(JsonElement v, string path, int line) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Array => string.Join(" ", v.EnumerateArray().Select(x => Format(x, path, line))),
        _ => throw new DatasetException(path, line, $"unsupported PSB2 value {v.GetRawText()}"),
    };
}
