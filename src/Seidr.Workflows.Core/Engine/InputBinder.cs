using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Engine;

/// <summary>Binds an activity node's inputs (with <c>${axis}</c> replaced by the variant's values) to an activity instance.</summary>
public static partial class InputBinder
{
    /// <summary>A <c>${name}</c> reference to a matrix axis (or to a workflow input), the name in group 1.</summary>
    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_\-]*)\}")]
    internal static partial Regex AxisReference();

    /// <summary>A new instance of the node's activity with the node's inputs, substituted for <paramref name="variant"/>, set on its properties.</summary>
    /// <exception cref="InputBindingException">A value does not convert to its input's type.</exception>
    internal static Activity Create(ActivityDescriptor descriptor, ActivityNode node, Variant variant)
    {
        var activity = descriptor.Create();
        foreach (var input in descriptor.Inputs)
        {
            if (!node.Inputs.TryGetValue(input.Name, out var value) || value.Value is null) continue;
            var resolved = Substitute(value.Value, variant);
            var property = descriptor.ClrType.GetProperty(input.PropertyName)!;
            property.SetValue(activity, Convert(resolved, input.ClrType, input.Name));
        }
        return activity;
    }

    /// <summary>
    /// Replaces <c>${axis}</c> in every string of the value by the variant's value of that axis; a reference to an axis
    /// the variant does not have stays as written. Strings stay strings: binding parses them into the input's type.
    /// </summary>
    public static JsonNode? Substitute(JsonNode? value, Variant variant) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => SubstituteString(v.GetValue<string>(), variant),
        JsonArray a => new JsonArray(a.Select(x => Substitute(x, variant)).ToArray()),
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Substitute(kv.Value, variant)))),
        _ => value?.DeepClone(),
    };

    private static JsonNode? SubstituteString(string s, Variant variant)
    {
        if (!s.Contains("${", StringComparison.Ordinal)) return JsonValue.Create(s);
        var replaced = AxisReference().Replace(s, m => variant[m.Groups[1].Value] ?? m.Value);
        return JsonValue.Create(replaced);
    }

    /// <summary>
    /// The value as <paramref name="target"/>: strings are parsed (booleans as true/false, on/off, yes/no; durations;
    /// enums by their written names; comma-separated lists), anything else deserialized.
    /// </summary>
    /// <exception cref="InputBindingException">The value does not convert; the message names <paramref name="inputName"/>.</exception>
    internal static object? Convert(JsonNode? node, Type target, string inputName)
    {
        var type = Nullable.GetUnderlyingType(target) ?? target;
        try
        {
            if (node is null) return null;
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                var s = v.GetValue<string>();
                if (type == typeof(string)) return s;
                if (type == typeof(bool)) return ParseBool(s) ?? throw new FormatException($"'{s}' is not a boolean (true/false, on/off, yes/no)");
                if (type == typeof(int)) return int.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (type == typeof(long)) return long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (type == typeof(double)) return double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (type == typeof(TimeSpan)) return Durations.Parse(s);
                if (type.IsEnum) return ParseEnum(type, s);
                if (type == typeof(ImmutableArray<string>)) return s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToImmutableArray();
            }
            if (type == typeof(string)) return node is JsonValue ? node.ToString() : node.ToJsonString();
            if (type.IsEnum) return ParseEnum(type, node.ToString());
            if (type == typeof(JsonNode) || type == typeof(JsonObject)) return node.DeepClone();
            return node.Deserialize(type);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new InputBindingException(inputName, $"cannot use {Describe(node)} as {CatalogTypeName(type)}: {e.Message}");
        }
    }

    /// <summary>true/on/yes/1 or false/off/no/0, any case; null for anything else.</summary>
    internal static bool? ParseBool(string s) => s.Trim().ToLowerInvariant() switch
    {
        "true" or "on" or "yes" or "1" => true,
        "false" or "off" or "no" or "0" => false,
        _ => null,
    };

    private static object ParseEnum(Type type, string s) =>
        Naming.ParseEnum(type, s) ?? throw new FormatException($"'{s}' is not one of {string.Join(", ", Naming.EnumNames(type))}");

    private static string Describe(JsonNode? node) => node is null ? "null" : node.ToJsonString();
    private static string CatalogTypeName(Type t) => ActivityCatalog.ElsaTypeName(t);
}

/// <summary>An input's value that does not convert to the input's type.</summary>
internal sealed class InputBindingException(string input, string message) : Exception($"input '{input}': {message}")
{
    /// <summary>The input's name.</summary>
    public string Input { get; } = input;

    /// <summary>Why the value does not convert, without the input's name.</summary>
    public string Reason { get; } = message;
}

/// <summary>Durations as written in workflow files: <c>90s</c>, <c>10m</c>, <c>2h</c>, <c>1h30m</c>, <c>250ms</c>, or <c>hh:mm:ss</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d))+$")]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h|d)")]
    private static partial Regex Part();

    /// <summary>The duration <paramref name="text"/> spells.</summary>
    /// <exception cref="FormatException">The text is not a duration.</exception>
    public static TimeSpan Parse(string text)
    {
        var s = text.Trim();
        if (Whole().IsMatch(s))
        {
            var total = TimeSpan.Zero;
            foreach (Match m in Part().Matches(s))
            {
                var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                total += m.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    _ => TimeSpan.FromDays(n),
                };
            }
            return total;
        }
        if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts)) return ts;
        throw new FormatException($"'{text}' is not a duration (e.g. 90s, 10m, 1h30m, 00:10:00)");
    }

    /// <summary>A spelling <see cref="Parse"/> reads back: <c>1h30m</c>, <c>45s</c>, <c>0s</c>, or whole milliseconds (<c>1500ms</c>) when there is a fraction of a second.</summary>
    public static string Format(TimeSpan t)
    {
        if (t == TimeSpan.Zero) return "0s";
        if (t.TotalMilliseconds % 1000 != 0) return $"{(long)t.TotalMilliseconds}ms";
        var parts = new List<string>();
        if (t.Days > 0) parts.Add($"{t.Days}d");
        if (t.Hours > 0) parts.Add($"{t.Hours}h");
        if (t.Minutes > 0) parts.Add($"{t.Minutes}m");
        if (t.Seconds > 0) parts.Add($"{t.Seconds}s");
        return string.Concat(parts);
    }
}
