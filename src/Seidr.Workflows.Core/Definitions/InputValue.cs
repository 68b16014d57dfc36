using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Definitions;

/// <summary>
/// The value given to an activity input. <see cref="Literal"/> values are plain scalars or lists/objects;
/// strings may refer to matrix axes as <c>${axis}</c>, substituted per variant.
/// </summary>
/// <param name="ExpressionType">Elsa's expression type; only <see cref="LiteralType"/> and <see cref="ObjectType"/> run, others are kept and reported by the validator.</param>
/// <param name="Value">The value; null when unset.</param>
public sealed record InputValue(string ExpressionType, JsonNode? Value)
{
    /// <summary>Elsa's expression type of a scalar value.</summary>
    public const string LiteralType = "Literal";

    /// <summary>Elsa's expression type of a list or object value.</summary>
    public const string ObjectType = "Object";

    /// <summary>A literal value, typed <see cref="ObjectType"/> when it is a list or object.</summary>
    public static InputValue Literal(JsonNode? value) => new(value is JsonObject or JsonArray ? ObjectType : LiteralType, value);

    /// <summary>Whether the value is a literal rather than an expression Seidr does not evaluate.</summary>
    internal bool IsLiteral => ExpressionType is LiteralType or ObjectType;

    /// <summary>Equal when the expression types and the JSON values are.</summary>
    public bool Equals(InputValue? other) => other is not null && ExpressionType == other.ExpressionType && JsonNode.DeepEquals(Value, other.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => ExpressionType.GetHashCode();

    /// <summary>The value as display text: strings raw, everything else as compact JSON.</summary>
    public string? AsText() => Value switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => Value.ToJsonString(),
    };

    /// <summary>Parses the text of an Elsa literal back into the most specific JSON value (number, bool, or string).</summary>
    public static JsonNode? FromText(string? text, string? typeName)
    {
        if (text is null) return null;
        switch (typeName)
        {
            case "Int32" or "Int64" when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                return JsonValue.Create(l);
            case "Double" or "Single" or "Decimal" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d):
                return JsonValue.Create(d);
            case "Boolean" when bool.TryParse(text, out var b):
                return JsonValue.Create(b);
            case "Object" or "String[]" or "Int32[]" or "Double[]":
                try { return JsonNode.Parse(text); } catch (JsonException) { return JsonValue.Create(text); }
            default:
                return JsonValue.Create(text);
        }
    }
}
