using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>Reads JSON Lines files, plain or gzip-compressed (by the <c>.gz</c> ending).</summary>
public static class JsonLines
{
    /// <summary>The file's bytes, decompressed when its name ends in <c>.gz</c>; the caller disposes the stream.</summary>
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

    /// <summary>The string field <paramref name="name"/>; its absence is an error naming <paramref name="path"/> and <paramref name="line"/>.</summary>
    public static string RequiredString(this JsonElement e, string name, string path, int line) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new DatasetException(path, line, $"field '{name}' is missing or not a string");

    /// <summary>The string field <paramref name="name"/>, or null when it is missing or not a string.</summary>
    public static string? OptionalString(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>A dataset file that cannot be read; names the file and line.</summary>
/// <param name="path">The file that could not be read.</param>
/// <param name="line">The 1-based line at fault, or 0 for the file as a whole.</param>
/// <param name="message">What is wrong there.</param>
public sealed class DatasetException(string path, int line, string message)
    : Exception(line > 0 ? $"{path}:{line}: {message}" : $"{path}: {message}")
{
    /// <summary>The file that could not be read.</summary>
    public string Path { get; } = path;
    /// <summary>The 1-based line at fault, or 0 when the fault is the file as a whole.</summary>
    public int Line { get; } = line;
    /// <summary>What is wrong, without the file and line (the message has them in front).</summary>
    public string Reason { get; } = message;
}
