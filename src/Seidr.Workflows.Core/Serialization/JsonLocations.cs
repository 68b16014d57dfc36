using System.Text;
using System.Text.Json;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Serialization;

/// <summary>Records the line and column of every property and array element of a JSON document, by path (<c>root.activities[2].type</c>).</summary>
internal static class JsonLocations
{
    public static Dictionary<string, SourceLocation> Scan(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == (byte)'\n') lineStarts.Add(i + 1);
        SourceLocation At(long offset)
        {
            int line = lineStarts.BinarySearch((int)offset);
            if (line < 0) line = ~line - 1;
            // Column in characters, not bytes.
            var col = Encoding.UTF8.GetCharCount(bytes, lineStarts[line], (int)offset - lineStarts[line]) + 1;
            return new SourceLocation(line + 1, col);
        }

        var result = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        // Each frame: the path of the container and, for arrays, the next index.
        var stack = new Stack<(string Path, bool IsArray, int Index)>();
        string? pendingProperty = null;
        string Current()
        {
            if (pendingProperty is not null) return pendingProperty;
            if (stack.Count == 0) return "";
            var top = stack.Pop();
            var path = $"{top.Path}[{top.Index}]";
            stack.Push(top with { Index = top.Index + 1 });
            return path;
        }
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var parent = stack.Count == 0 ? "" : stack.Peek().Path;
                        var name = reader.GetString()!;
                        pendingProperty = parent.Length == 0 ? name : $"{parent}.{name}";
                        result.TryAdd(pendingProperty, At(reader.TokenStartIndex));
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var p = Current();
                        if (p.Length > 0) result.TryAdd(p, At(reader.TokenStartIndex));
                        stack.Push((p, reader.TokenType == JsonTokenType.StartArray, 0));
                        pendingProperty = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.Pop();
                        break;
                    default:
                        var vp = Current();
                        if (!result.ContainsKey(vp + "#value")) result[vp + "#value"] = At(reader.TokenStartIndex);
                        pendingProperty = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed documents are reported by the parser; keep what was located.
        }
        return result;
    }
}
