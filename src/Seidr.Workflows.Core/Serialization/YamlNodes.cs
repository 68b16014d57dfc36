using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Serialization;

/// <summary>Conversions between YAML nodes and JSON values with YAML 1.2 core-schema typing of plain scalars.</summary>
internal static partial class YamlNodes
{
    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    public static SourceLocation At(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlScalarNode s => ScalarToJson(s),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        _ => null,
    };

    public static JsonNode? ScalarToJson(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style is ScalarStyle.Plain or ScalarStyle.Any)
        {
            if (v is "" or "~" or "null" or "Null" or "NULL") return null;
            if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
            if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
            if (Integer().IsMatch(v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
            if (Float().IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        }
        return JsonValue.Create(v);
    }

    /// <summary>Plain text of a scalar, whatever its style.</summary>
    public static string? Text(YamlNode node) => node is YamlScalarNode s ? s.Value : null;

    public static YamlNode FromJson(JsonNode? value, bool flowShortLists = true) => value switch
    {
        null => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
        JsonObject o => Mapping(o.Select(kv => (kv.Key, FromJson(kv.Value, flowShortLists)))),
        JsonArray a => Sequence(a.Select(x => FromJson(x, flowShortLists)), flowShortLists && a.All(x => x is JsonValue) && a.ToJsonString().Length <= 80),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => Str(v.GetValue<string>()),
            JsonValueKind.True => new YamlScalarNode("true") { Style = ScalarStyle.Plain },
            JsonValueKind.False => new YamlScalarNode("false") { Style = ScalarStyle.Plain },
            JsonValueKind.Number => new YamlScalarNode(v.ToJsonString()) { Style = ScalarStyle.Plain },
            _ => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
        },
        _ => new YamlScalarNode("null"),
    };

    /// <summary>A string scalar that reads back as the same string: quoted when plain would read as another type.</summary>
    public static YamlScalarNode Str(string s)
    {
        if (s.Contains('\n'))
        {
            // Literal block style keeps text verbatim; YAML cannot express trailing spaces on lines or a leading blank line in it.
            bool literalSafe = !s.Split('\n').Any(l => l.EndsWith(' ') || l.EndsWith('\t')) && !s.StartsWith('\n') && !s.StartsWith(' ') && !s.Contains('\r');
            return new YamlScalarNode(s) { Style = literalSafe ? ScalarStyle.Literal : ScalarStyle.DoubleQuoted };
        }
        var plainWouldChange = ScalarToJson(new YamlScalarNode(s) { Style = ScalarStyle.Plain }) is not JsonValue jv || jv.GetValueKind() != JsonValueKind.String;
        return new YamlScalarNode(s) { Style = plainWouldChange ? ScalarStyle.DoubleQuoted : ScalarStyle.Any };
    }

    public static YamlScalarNode Plain(string s) => new(s) { Style = ScalarStyle.Plain };

    public static YamlMappingNode Mapping(IEnumerable<(string Key, YamlNode Value)> entries)
    {
        var map = new YamlMappingNode();
        foreach (var (k, v) in entries) map.Add(Str(k), v);
        return map;
    }

    public static YamlSequenceNode Sequence(IEnumerable<YamlNode> items, bool flow)
    {
        var seq = new YamlSequenceNode(items);
        if (flow) seq.Style = SequenceStyle.Flow;
        return seq;
    }
}
