using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;

namespace Seidr.Workflows.Catalog;

/// <summary>Name conversions between C# properties (PascalCase), Elsa JSON (camelCase) and YAML (snake_case).</summary>
public static class Naming
{
    /// <summary><c>BeamWidth</c> -> <c>beamWidth</c>: the first letter lowered.</summary>
    internal static string ToCamelCase(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary><c>BeamWidth</c> -> <c>beam_width</c> (the rule: <see cref="SnakeCase.From"/>).</summary>
    public static string ToSnakeCase(string name) => SnakeCase.From(name);

    /// <summary>snake_case to camelCase: <c>beam_width</c> -> <c>beamWidth</c>.</summary>
    internal static string SnakeToCamel(string name)
    {
        var sb = new StringBuilder(name.Length);
        bool upper = false;
        foreach (var c in name)
        {
            if (c == '_') { upper = true; continue; }
            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return sb.ToString();
    }

    /// <summary>
    /// The names an enum input is written with, in declaration order: each member's
    /// <see cref="JsonStringEnumMemberNameAttribute"/> when it has one (e.g. <c>codet</c>), else its snake_case name.
    /// </summary>
    internal static IReadOnlyList<string> EnumNames(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static).OrderBy(f => f.MetadataToken).Select(NameOf).ToArray();

    /// <summary>The name an enum value is written with (see <see cref="EnumNames"/>).</summary>
    public static string EnumName(Enum value) =>
        value.GetType().GetField(value.ToString()) is { } field ? NameOf(field) : ToSnakeCase(value.ToString());

    /// <summary>The member of <paramref name="enumType"/> written as <paramref name="name"/> (or by its C# name), or null.</summary>
    internal static object? ParseEnum(Type enumType, string name) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(f => string.Equals(NameOf(f), name, StringComparison.OrdinalIgnoreCase) || string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
            ?.GetValue(null);

    private static string NameOf(FieldInfo member) =>
        member.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? ToSnakeCase(member.Name);

    /// <summary><c>MaxTokens</c> -> <c>Max tokens</c>, a label for a property that has no display name.</summary>
    internal static string ToWords(string pascal)
    {
        var snake = ToSnakeCase(pascal).Replace('_', ' ');
        return snake.Length == 0 ? snake : char.ToUpperInvariant(snake[0]) + snake[1..];
    }
}
