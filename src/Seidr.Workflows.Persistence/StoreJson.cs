using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Persistence;

/// <summary>JSON for the store's text columns: whole flow results (exact round trip, for resuming) and small documents.</summary>
public static class StoreJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new JsonException($"'{Truncate(json)}' is not a {typeof(T).Name}");

    public static string FlowResult(FlowResult result) => Serialize(result);

    public static FlowResult ToFlowResult(string json)
    {
        var r = Deserialize<FlowResult>(json);
        // Restore the comparer the engine uses for flags and measures.
        return r with { Flags = r.Flags.WithComparers(StringComparer.Ordinal), Measures = r.Measures.WithComparers(StringComparer.Ordinal) };
    }

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "...";
}
