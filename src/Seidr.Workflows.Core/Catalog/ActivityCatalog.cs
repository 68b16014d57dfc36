using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Catalog;

/// <summary>
/// The activity types known to a run, found by reflection: every non-abstract <see cref="Activity"/> subclass
/// with an <see cref="ActivityAttribute"/>. Adding an activity is one class and nothing else.
/// </summary>
public sealed class ActivityCatalog
{
    private readonly ImmutableSortedDictionary<string, ActivityDescriptor> _byType;

    public ActivityCatalog(IEnumerable<ActivityDescriptor> descriptors)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, ActivityDescriptor>(StringComparer.Ordinal);
        foreach (var d in descriptors)
        {
            if (builder.ContainsKey(d.TypeName)) throw new InvalidOperationException($"two activities share the type name '{d.TypeName}'");
            builder.Add(d.TypeName, d);
        }
        _byType = builder.ToImmutable();
    }

    public IReadOnlyCollection<ActivityDescriptor> Descriptors => _byType.Values.ToArray();

    public ActivityDescriptor? Find(string typeName) => _byType.GetValueOrDefault(typeName);

    public static ActivityCatalog FromAssemblies(params Assembly[] assemblies) =>
        new(assemblies.Distinct().SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(Activity).IsAssignableFrom(t) && t.GetCustomAttribute<ActivityAttribute>() is not null)
            .Select(Describe));

    public static ActivityDescriptor Describe(Type type)
    {
        var attr = type.GetCustomAttribute<ActivityAttribute>() ?? throw new ArgumentException($"{type} has no [Activity]", nameof(type));
        var prototype = (Activity)(Activator.CreateInstance(type) ?? throw new ArgumentException($"{type} has no public parameterless constructor"));
        var inputs = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Input: p.GetCustomAttribute<InputAttribute>()))
            .Where(x => x.Input is not null)
            .Select(x => DescribeInput(x.Property, x.Input!, prototype))
            .OrderBy(i => i.Order).ThenBy(i => i.PropertyName == nameof(Activity.Enabled) ? 1 : 0)
            .ToImmutableArray();
        var outcomes = type.GetCustomAttributes<OutcomeAttribute>(inherit: true)
            .Select(o => new OutcomeDescriptor(o.Name, o.Description ?? ""))
            .DistinctBy(o => o.Name)
            .ToImmutableArray();
        if (outcomes.IsEmpty) outcomes = [new OutcomeDescriptor("Done", "")];
        return new ActivityDescriptor
        {
            TypeName = $"{attr.Namespace}.{attr.Name}",
            Namespace = attr.Namespace,
            Name = attr.Name,
            Version = attr.Version,
            Category = attr.Category ?? attr.Namespace,
            DisplayName = attr.DisplayName ?? attr.Name,
            Description = attr.Description ?? "",
            Inputs = inputs,
            Outcomes = outcomes,
            ClrType = type,
            Spends = attr.Spends,
        };
    }

    private static InputDescriptor DescribeInput(PropertyInfo p, InputAttribute a, Activity prototype)
    {
        var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        var typeName = ElsaTypeName(type);
        var options = a.Options?.ToImmutableArray() ?? (type.IsEnum ? Enum.GetNames(type).Select(Naming.ToSnakeCase).ToImmutableArray() : []);
        var hint = a.UIHint ?? (options.Length > 0 ? UIHints.Dropdown
            : type == typeof(bool) ? UIHints.Checkbox
            : typeName is "Object" ? UIHints.Json
            : typeName.EndsWith("[]", StringComparison.Ordinal) ? UIHints.MultiText
            : UIHints.SingleLine);
        var value = p.GetValue(prototype);
        return new InputDescriptor
        {
            Name = Naming.ToCamelCase(p.Name),
            YamlName = Naming.ToSnakeCase(p.Name),
            PropertyName = p.Name,
            ClrType = p.PropertyType,
            TypeName = typeName,
            DisplayName = a.DisplayName ?? Naming.ToWords(p.Name),
            Description = a.Description ?? "",
            UIHint = hint,
            Options = options,
            Required = a.Required,
            Reference = a.Reference,
            Order = a.Order,
            Min = a.Min,
            DefaultValue = value is null || (value is string s && s.Length == 0) || (value is ICollection c && c.Count == 0) ? null
                : type.IsEnum ? JsonValue.Create(Naming.ToSnakeCase(value.ToString()!))
                : JsonSerializer.SerializeToNode(value),
        };
    }

    public static string ElsaTypeName(Type type) =>
        type == typeof(string) ? "String"
        : type == typeof(int) ? "Int32"
        : type == typeof(long) ? "Int64"
        : type == typeof(double) ? "Double"
        : type == typeof(bool) ? "Boolean"
        : type == typeof(TimeSpan) ? "TimeSpan"
        : type.IsEnum ? "String"
        : type == typeof(string[]) || type == typeof(ImmutableArray<string>) || type == typeof(IReadOnlyList<string>) ? "String[]"
        : type == typeof(int[]) || type == typeof(ImmutableArray<int>) || type == typeof(IReadOnlyList<int>) ? "Int32[]"
        : "Object";
}
