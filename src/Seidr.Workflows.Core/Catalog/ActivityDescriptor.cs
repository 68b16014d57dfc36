using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Catalog;

/// <summary>What the validator, the schema, the CLI and the designer know about an activity type.</summary>
public sealed record ActivityDescriptor
{
    public required string TypeName { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public int Version { get; init; } = 1;
    public required string Category { get; init; }
    public required string DisplayName { get; init; }
    public string Description { get; init; } = "";
    public required ImmutableArray<InputDescriptor> Inputs { get; init; }
    public required ImmutableArray<OutcomeDescriptor> Outcomes { get; init; }
    public required Type ClrType { get; init; }

    /// <summary>See <see cref="ActivityAttribute.Spends"/>.</summary>
    public bool Spends { get; init; } = true;

    public InputDescriptor? FindInput(string name) => Inputs.FirstOrDefault(i => i.Name == name);
    public bool HasOutcome(string port) => Outcomes.Any(o => o.Name == port);
    public string PrimaryOutcome => Outcomes.IsEmpty ? Ports.Done : Outcomes[0].Name;

    public Activity Create() => (Activity)Activator.CreateInstance(ClrType)!;
}

public sealed record OutcomeDescriptor(string Name, string Description);

/// <summary>One input: <see cref="Name"/> is its camelCase name (Elsa JSON), <see cref="YamlName"/> its snake_case name.</summary>
public sealed record InputDescriptor
{
    public required string Name { get; init; }
    public required string YamlName { get; init; }
    public required string PropertyName { get; init; }
    public required Type ClrType { get; init; }

    /// <summary>Elsa type name: String, Int32, Int64, Double, Boolean, Object, String[].</summary>
    public required string TypeName { get; init; }
    public required string DisplayName { get; init; }
    public string Description { get; init; } = "";
    public required string UIHint { get; init; }
    public ImmutableArray<string> Options { get; init; } = [];
    public bool Required { get; init; }
    public InputReference Reference { get; init; }
    public int Order { get; init; }
    public double Min { get; init; } = double.NaN;
    public JsonNode? DefaultValue { get; init; }
}
