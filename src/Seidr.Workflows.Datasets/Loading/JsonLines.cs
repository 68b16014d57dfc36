using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>Reads JSON Lines files, plain or gzip-compressed (by the <c>.gz</c> ending).</summary>
public static class JsonLines
{
    public static Stream OpenRead(string path)
    {
        Stream s = File.OpenRead(path);
        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(s, CompressionMode.Decompress) : s;
    }

    /// <summary>Each non-blank line parsed as a JSON document, with its 1-based line number.</summary>
    public static IEnumerable<(int Line, JsonElement Value)> Read(string path)
    {
        using var reader = new StreamReader(OpenRead(path));
        int lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement value;
            try
            {
                using var doc = JsonDocument.Parse(line);
                value = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new DatasetException(path, lineNo, $"not valid JSON: {e.Message}");
            }
            yield return (lineNo, value);
        }
    }

    public static string RequiredString(this JsonElement e, string name, string path, int line) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new DatasetException(path, line, $"field '{name}' is missing or not a string");

    public static string? OptionalString(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>A dataset file that cannot be read; names the file and line.</summary>
public sealed class DatasetException(string path, int line, string message)
    : Exception(line > 0 ? $"{path}:{line}: {message}" : $"{path}: {message}")
{
    public string Path { get; } = path;
    public int Line { get; } = line;
    public string Reason { get; } = message;
}
