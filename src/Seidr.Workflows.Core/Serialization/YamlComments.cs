using System.Text;
using System.Text.RegularExpressions;

namespace Seidr.Workflows.Serialization;

/// <summary>
/// Carries what a person wrote into a YAML workflow file beyond the model, its comments and blank lines, over to a
/// rewritten text of the same workflow (a save from the designer), so an edit changes only the lines it changed.
/// </summary>
/// <remarks>
/// Each comment block (full-line comments and blank lines) belongs to the line that follows it, and a trailing
/// comment to its line; lines are matched by their text and occurrence. When a line is gone or changed, its block
/// moves to the next line that is still there, and its trailing comment stays with the changed line when that line
/// keeps its key (<c>position: [0, 0]  # left</c> moved to <c>position: [240, 0]  # left</c>). A <c>#</c> inside
/// quotes or a block scalar is text, not a comment.
/// </remarks>
internal static partial class YamlComments
{
    /// <summary>The rewritten text with the original's comments and blank lines put back where they belong.</summary>
    public static string Carry(string original, string rewritten)
    {
        var old = Classify(original);
        if (old.All(l => l.Kind == LineKind.Code && l.Trailing is null)) return rewritten;

        var fresh = Classify(rewritten);
        var freshKeys = Keys(fresh).Select((key, at) => (key, at)).Where(k => k.key is not null).ToDictionary(k => k.key!.Value, k => k.at);
        // Old code lines -> the fresh line with the same text and occurrence (-1: changed or gone).
        var match = Keys(old).Select(key => key is { } k && freshKeys.TryGetValue(k, out var at) ? at : -1).ToArray();
        var taken = match.Where(m => m >= 0).ToHashSet();

        var before = new Dictionary<int, List<string>>(); // fresh line index -> trivia to write before it
        var trailing = new Dictionary<int, string>();
        var pending = new List<string>();
        var previous = -1; // fresh index of the last old line that is still there
        for (var i = 0; i < old.Count; i++)
        {
            var line = old[i];
            if (line.Kind == LineKind.Trivia) { pending.Add(line.Text); continue; }
            if (match[i] < 0)
            {
                // Changed or gone. A changed line is a fresh line with the same key between the neighbours that are still there.
                if (line.Trailing is not null && line.Head is { } head)
                {
                    var next = match.Skip(i + 1).FirstOrDefault(m => m >= 0, fresh.Count);
                    for (var j = previous + 1; j < next; j++)
                        if (!taken.Contains(j) && fresh[j].Head == head) { trailing[j] = line.Trailing; taken.Add(j); break; }
                }
                continue; // its block waits for the next line that is still there
            }
            previous = match[i];
            if (pending.Count > 0) { before[match[i]] = pending; pending = []; }
            if (line.Trailing is not null) trailing[match[i]] = line.Trailing;
        }

        var text = new StringBuilder(rewritten.Length + 256);
        for (var i = 0; i < fresh.Count; i++)
        {
            if (before.TryGetValue(i, out var block)) foreach (var t in block) text.Append(t).Append('\n');
            text.Append(trailing.TryGetValue(i, out var comment) ? fresh[i].Text.TrimEnd() + comment : fresh[i].Text).Append('\n');
        }
        foreach (var t in pending) text.Append(t).Append('\n');
        // Keep the rewritten text's ending: it ends with one newline.
        var result = text.ToString();
        if (!rewritten.EndsWith('\n')) result = result.TrimEnd('\n');
        else while (result.EndsWith("\n\n", StringComparison.Ordinal)) result = result[..^1];
        return result;
    }

    /// <summary>Per line: its code and which occurrence of that code it is (null for trivia).</summary>
    private static (string Code, int Nth)?[] Keys(List<Line> lines)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        return [.. lines.Select(l => l.Kind == LineKind.Code ? (l.Code, counts[l.Code] = counts.GetValueOrDefault(l.Code) + 1) : ((string, int)?)null)];
    }

    private enum LineKind { Code, Trivia }

    /// <param name="Kind">Whether the line holds YAML or only a comment or blank (trivia).</param>
    /// <param name="Text">The whole line.</param>
    /// <param name="Code">The line without its trailing comment and trailing spaces (what lines are matched by).</param>
    /// <param name="Trailing">The trailing comment with the spaces before it, or null.</param>
    /// <param name="Head">A mapping key with its indentation (<c>"  position:"</c>), or null.</param>
    private sealed record Line(LineKind Kind, string Text, string Code, string? Trailing, string? Head);

    private static List<Line> Classify(string text)
    {
        var raw = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var count = raw.Length > 0 && raw[^1].Length == 0 ? raw.Length - 1 : raw.Length;
        var lines = new List<Line>(count);
        var blockIndent = -1; // indentation of the key that opened a block scalar, while inside it
        for (var i = 0; i < count; i++)
        {
            var line = raw[i];
            var indent = line.Length - line.TrimStart(' ').Length;
            var blank = line.Trim().Length == 0;
            if (blockIndent >= 0)
            {
                var inside = blank ? NextIndent(raw, i + 1, count) > blockIndent : indent > blockIndent;
                if (inside) { lines.Add(new Line(LineKind.Code, line, line.TrimEnd(), null, null)); continue; }
                blockIndent = -1;
            }
            if (blank || line.TrimStart().StartsWith('#')) { lines.Add(new Line(LineKind.Trivia, line, "", null, null)); continue; }

            var cut = CommentStart(line);
            var code = (cut < 0 ? line : line[..cut]).TrimEnd();
            var trailing = cut < 0 ? null : line[code.Length..];
            var head = KeyHead().Match(code) is { Success: true } m ? m.Value : null;
            lines.Add(new Line(LineKind.Code, line, code, trailing, head));
            if (BlockScalar().IsMatch(code)) blockIndent = indent;
        }
        return lines;
    }

    private static int NextIndent(string[] lines, int from, int count)
    {
        for (var i = from; i < count; i++)
            if (lines[i].Trim().Length > 0) return lines[i].Length - lines[i].TrimStart(' ').Length;
        return -1;
    }

    /// <summary>Where a trailing comment starts: a '#' after a space, outside quotes; -1 when there is none.</summary>
    private static int CommentStart(string line)
    {
        char quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    if (quote == '\'' && i + 1 < line.Length && line[i + 1] == '\'') { i++; continue; } // '' inside '...'
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"') i++;
                continue;
            }
            if (c is '"' or '\'' && (i == 0 || line[i - 1] is ' ' or '[' or '{' or ',' or ':' or '-')) quote = c;
            else if (c == '#' && i > 0 && line[i - 1] is ' ' or '\t') return i;
        }
        return -1;
    }

    [GeneratedRegex(@"^\s*(- )?[A-Za-z_][A-Za-z0-9_.-]*:(?=\s|$)")]
    private static partial Regex KeyHead();

    [GeneratedRegex(@"(^|[:\-]\s*)[|>][-+0-9]*$")]
    private static partial Regex BlockScalar();
}
