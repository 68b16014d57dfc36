using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Catalog;

/// <summary>What the validator, the schema, the CLI and the designer know about an activity type.</summary>
public sealed record ActivityDescriptor
{
    /// <summary>The name workflows give the type: <c>{Namespace}.{Name}</c> (<c>Seidr.Draft</c>).</summary>
    public required string TypeName { get; init; }

    /// <summary>See <see cref="ActivityAttribute.Namespace"/>.</summary>
    public required string Namespace { get; init; }

    /// <summary>See <see cref="ActivityAttribute.Name"/>.</summary>
    public required string Name { get; init; }

    /// <summary>See <see cref="ActivityAttribute.Version"/>.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The palette group (<see cref="ActivityAttribute.Category"/>, else the namespace).</summary>
    public required string Category { get; init; }

    /// <summary>The designer's name for it (<see cref="ActivityAttribute.DisplayName"/>, else <see cref="Name"/>).</summary>
    public required string DisplayName { get; init; }

    /// <summary>See <see cref="ActivityAttribute.Description"/>; empty when it has none.</summary>
    public string Description { get; init; } = "";

    /// <summary>The inputs, by <see cref="InputAttribute.Order"/>, <see cref="Activity.Enabled"/> last among equals.</summary>
    public required ImmutableArray<InputDescriptor> Inputs { get; init; }

    /// <summary>The outcome ports in declaration order, the primary one first; <c>Done</c> alone when the class declares none.</summary>
    public required ImmutableArray<OutcomeDescriptor> Outcomes { get; init; }

    /// <summary>The activity class.</summary>
    public required Type ClrType { get; init; }

    /// <summary>See <see cref="ActivityAttribute.Spends"/>.</summary>
    public bool Spends { get; init; } = true;

    /// <summary>The input with the camelCase <paramref name="name"/>, or null.</summary>
    public InputDescriptor? FindInput(string name) => Inputs.FirstOrDefault(i => i.Name == name);

    /// <summary>Whether the activity declares the outcome <paramref name="port"/>.</summary>
    internal bool HasOutcome(string port) => Outcomes.Any(o => o.Name == port);

    /// <summary>The first outcome, where a disabled activity passes its input.</summary>
    internal string PrimaryOutcome => Outcomes.IsEmpty ? Ports.Done : Outcomes[0].Name;

    /// <summary>A new instance with every input at its default.</summary>
    internal Activity Create() => (Activity)Activator.CreateInstance(ClrType)!;
}

/// <summary>One outcome port of an activity.</summary>
/// <param name="Name">The port's name, which connections leave from.</param>
/// <param name="Description">What leaves on it (<see cref="OutcomeAttribute.Description"/>); empty when it has none.</param>
public sealed record OutcomeDescriptor(string Name, string Description);

/// <summary>One input: <see cref="Name"/> is its camelCase name (Elsa JSON), <see cref="YamlName"/> its snake_case name.</summary>
public sealed record InputDescriptor
{
    /// <summary>The camelCase name, as Elsa JSON and <see cref="Definitions.ActivityNode.Inputs"/> key it (<c>beamWidth</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The snake_case name YAML files write (<c>beam_width</c>).</summary>
    public required string YamlName { get; init; }

    /// <summary>The C# property it binds to (<c>BeamWidth</c>).</summary>
    public required string PropertyName { get; init; }

    /// <summary>The property's type, which values are converted to.</summary>
    public required Type ClrType { get; init; }

    /// <summary>Elsa type name: String, Int32, Int64, Double, Boolean, Object, String[].</summary>
    public required string TypeName { get; init; }

    /// <summary>The designer's label (<see cref="InputAttribute.DisplayName"/>, else made from the property name).</summary>
    public required string DisplayName { get; init; }

    /// <summary>See <see cref="InputAttribute.Description"/>; empty when it has none.</summary>
    public string Description { get; init; } = "";

    /// <summary>The designer's editor (<see cref="UIHints"/>): the attribute's, else one that fits the type.</summary>
    public required string UIHint { get; init; }

    /// <summary>The allowed values: the attribute's, or an enum's written names; empty when any value goes.</summary>
    public ImmutableArray<string> Options { get; init; } = [];

    /// <summary>See <see cref="InputAttribute.Required"/>.</summary>
    public bool Required { get; init; }

    /// <summary>See <see cref="InputAttribute.Reference"/>.</summary>
    public InputReference Reference { get; init; }

    /// <summary>See <see cref="InputAttribute.Order"/>.</summary>
    public int Order { get; init; }

    /// <summary>See <see cref="InputAttribute.Min"/>; NaN when unbounded.</summary>
    public double Min { get; init; } = double.NaN;

    /// <summary>The property's initial value as JSON; null when it is null, an empty string or an empty collection.</summary>
    public JsonNode? DefaultValue { get; init; }
}
