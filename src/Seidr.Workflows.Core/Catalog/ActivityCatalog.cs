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

    /// <summary>A catalog of <paramref name="descriptors"/>; two with the same type name are an error.</summary>
    /// <exception cref="InvalidOperationException">Two descriptors share a type name.</exception>
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

    /// <summary>Every activity type, ordered by type name.</summary>
    public IReadOnlyCollection<ActivityDescriptor> Descriptors => _byType.Values.ToArray();

    /// <summary>The activity with this type name (<c>Seidr.Draft</c>), or null.</summary>
    public ActivityDescriptor? Find(string typeName) => _byType.GetValueOrDefault(typeName);

    /// <summary>The activities the assemblies declare (see <see cref="ActivitiesIn"/>); an assembly given twice counts once.</summary>
    public static ActivityCatalog FromAssemblies(params Assembly[] assemblies) =>
        new(assemblies.Distinct().SelectMany(ActivitiesIn));

    /// <summary>This catalog and <paramref name="more"/> (a plugin's activities); a type name both use is an error.</summary>
    public ActivityCatalog With(IEnumerable<ActivityDescriptor> more) => new(_byType.Values.Concat(more));

    /// <summary>
    /// The activities an assembly declares. Throws <see cref="ArgumentException"/> saying why when its types cannot
    /// be loaded (a dependency is missing) or an activity is malformed, so a plugin's problem is reported, not skipped.
    /// </summary>
    public static IReadOnlyList<ActivityDescriptor> ActivitiesIn(Assembly assembly)
    {
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e)
        {
            var reasons = e.LoaderExceptions.Where(x => x is not null).Select(x => x!.Message).Distinct().Take(3);
            throw new ArgumentException($"cannot load the types of {assembly.GetName().Name}: {string.Join("; ", reasons)}", e);
        }
        return types
            .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(Activity).IsAssignableFrom(t) && t.GetCustomAttribute<ActivityAttribute>() is not null)
            .Select(Describe)
            .ToList();
    }

    /// <summary>The descriptor of an activity class: its attribute, inputs (with their defaults) and outcome ports.</summary>
    /// <exception cref="ArgumentException">The class has no <see cref="ActivityAttribute"/>, no public parameterless constructor, or malformed outcomes.</exception>
    internal static ActivityDescriptor Describe(Type type)
    {
        var attr = type.GetCustomAttribute<ActivityAttribute>() ?? throw new ArgumentException($"{type} has no [Activity]", nameof(type));
        var prototype = (Activity)(Activator.CreateInstance(type) ?? throw new ArgumentException($"{type} has no public parameterless constructor"));
        var inputs = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Input: p.GetCustomAttribute<InputAttribute>()))
            .Where(x => x.Input is not null)
            .Select(x => DescribeInput(x.Property, x.Input!, prototype))
            .OrderBy(i => i.Order).ThenBy(i => i.PropertyName == nameof(Activity.Enabled) ? 1 : 0)
            .ToImmutableArray();
        var outcomes = DescribeOutcomes(type);
        if (outcomes.IsEmpty) outcomes = [new OutcomeDescriptor(Ports.Done, "")];
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

    /// <summary>
    /// The outcome ports: <see cref="OutcomeAttribute"/>s on the class, then the activity's string constants marked
    /// <c>[Outcome]</c>, in declaration order (the first is the primary one). A port declared twice is an error.
    /// </summary>
    private static ImmutableArray<OutcomeDescriptor> DescribeOutcomes(Type type)
    {
        var onClass = type.GetCustomAttributes<OutcomeAttribute>(inherit: true)
            .Select(o => new OutcomeDescriptor(o.Name ?? throw new ArgumentException($"{type}: an [Outcome] on the class needs a port name"), o.Description ?? ""));
        var onConstants = type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.FlattenHierarchy)
            .Where(f => f.GetCustomAttribute<OutcomeAttribute>() is not null)
            .OrderBy(f => f.MetadataToken)
            .Select(f =>
            {
                var o = f.GetCustomAttribute<OutcomeAttribute>()!;
                if (!f.IsLiteral || f.FieldType != typeof(string))
                    throw new ArgumentException($"{type}.{f.Name}: [Outcome] marks a port name, which must be a const string");
                var name = (string)f.GetRawConstantValue()!;
                if (o.Name is not null && o.Name != name)
                    throw new ArgumentException($"{type}.{f.Name}: [Outcome(\"{o.Name}\")] names another port than the constant's value '{name}'");
                return new OutcomeDescriptor(name, o.Description ?? "");
            });
        var outcomes = onClass.Concat(onConstants).ToImmutableArray();
        if (outcomes.GroupBy(o => o.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"{type} declares the outcome port '{twice.Key}' twice");
        return outcomes;
    }

    private static InputDescriptor DescribeInput(PropertyInfo p, InputAttribute a, Activity prototype)
    {
        var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        var typeName = ElsaTypeName(type);
        var options = a.Options?.ToImmutableArray() ?? (type.IsEnum ? Naming.EnumNames(type).ToImmutableArray() : []);
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
                : value is Enum e ? JsonValue.Create(Naming.EnumName(e))
                : JsonSerializer.SerializeToNode(value),
        };
    }

    /// <summary>Elsa's name for an input's CLR type (<c>String</c>, <c>Int32</c>, <c>String[]</c>, ...); enums are <c>String</c>, other types <c>Object</c>.</summary>
    internal static string ElsaTypeName(Type type) =>
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
