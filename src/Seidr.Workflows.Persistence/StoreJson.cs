using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Persistence;

/// <summary>JSON for the store's text columns: whole flow results (exact round trip, for resuming) and small documents.</summary>
public static class StoreJson
{
    /// <summary>The serializer settings every text column uses: enums by name, nulls left out, text unescaped.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <paramref name="value"/> as JSON for a text column.
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>A text column's JSON read back.</summary>
    /// <exception cref="JsonException">The text is not a <typeparamref name="T"/> (or is JSON null).</exception>
    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new JsonException($"'{Truncate(json)}' is not a {typeof(T).Name}");

    /// <summary>A whole flow result as JSON, read back exactly by <see cref="ToFlowResult"/> on resume.</summary>
    public static string FlowResult(FlowResult result) => Serialize(result);

    /// <summary>A flow result stored by <see cref="FlowResult(Engine.FlowResult)"/>, with the engine's comparers restored.</summary>
    public static FlowResult ToFlowResult(string json)
    {
        var r = Deserialize<FlowResult>(json);
        // Restore the comparer the engine uses for flags and measures.
        return r with { Flags = r.Flags.WithComparers(StringComparer.Ordinal), Measures = r.Measures.WithComparers(StringComparer.Ordinal) };
    }

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "...";
}
