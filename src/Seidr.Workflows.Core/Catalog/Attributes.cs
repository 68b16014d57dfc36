namespace Seidr.Workflows.Catalog;

/// <summary>Marks a class as a workflow activity. Its type name is <c>{Namespace}.{Name}</c>, e.g. <c>Seidr.Draft</c>.</summary>
/// <param name="namespace">The first part of the type name: <c>Seidr</c> for the built-in stages, a plugin's own otherwise.</param>
/// <param name="name">The second part of the type name, unique within <paramref name="namespace"/>.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute(string @namespace, string name) : Attribute
{
    /// <summary>The first part of the type name (<c>Seidr</c> in <c>Seidr.Draft</c>).</summary>
    public string Namespace { get; } = @namespace;

    /// <summary>The second part of the type name (<c>Draft</c> in <c>Seidr.Draft</c>).</summary>
    public string Name { get; } = name;

    /// <summary>The designer's palette group; null puts the activity under its <see cref="Namespace"/>.</summary>
    public string? Category { get; init; }

    /// <summary>The name shown in the designer; null shows <see cref="Name"/>.</summary>
    public string? DisplayName { get; init; }

    /// <summary>One line on what the stage does, shown by <c>seidr activities</c>, the designer and the schemas.</summary>
    public string? Description { get; init; }

    /// <summary>The activity type's version, as the designer's activity descriptor reports it.</summary>
    public int Version { get; init; } = 1;

    /// <summary>
    /// Whether the activity spends budget (makes model calls or programs). When a flow's budget is spent, a spending
    /// activity does not run: its input goes to its <c>Exhausted</c> port if it has one, else that branch ends.
    /// Activities that only judge or route (execute, rank, submit) set this to false and always run.
    /// </summary>
    public bool Spends { get; init; } = true;
}

/// <summary>
/// An outcome port of an activity, in declaration order; the first is the primary one. Put it on the activity's
/// <c>const string</c> that names the port, so the name is declared once and the code emits it by that constant:
/// <code>[Outcome(Description = "...")] public const string Solved = "Solved";</code>
/// On the class, it takes the port name as its argument.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Field, AllowMultiple = true, Inherited = true)]
public sealed class OutcomeAttribute : Attribute
{
    /// <summary>On a constant: the port is the constant's value.</summary>
    public OutcomeAttribute() { }

    /// <summary>On the class: the port's name.</summary>
    public OutcomeAttribute(string name) => Name = name;

    /// <summary>The port's name when given on the class; on a constant, null (the constant's value names the port).</summary>
    public string? Name { get; }

    /// <summary>What leaves on the port, shown by <c>seidr activities</c> and the designer.</summary>
    public string? Description { get; init; }
}

/// <summary>What kind of reference a string input holds, so the validator can check it.</summary>
public enum InputReference
{
    /// <summary>A plain value: nothing to look up.</summary>
    None,

    /// <summary>The name of a model declared in the workflow's <c>models</c> or in appsettings.</summary>
    Model,

    /// <summary>The name of a prompt file under <c>prompts/</c>.</summary>
    Prompt,
}

/// <summary>An activity input, bound from the workflow file. The property initializer gives the default.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class InputAttribute : Attribute
{
    /// <summary>The label in the designer; null makes one from the property name (<c>MaxTokens</c> -> <c>Max tokens</c>).</summary>
    public string? DisplayName { get; init; }

    /// <summary>What the input sets, shown by <c>seidr activities</c>, the designer and the schemas.</summary>
    public string? Description { get; init; }

    /// <summary>Designer editor: see <see cref="UIHints"/>; null picks one from the property's type and <see cref="Options"/>.</summary>
    public string? UIHint { get; init; }

    /// <summary>Allowed values (shown as a dropdown); any other value is a validation error.</summary>
    public string[]? Options { get; init; }

    /// <summary>Whether a workflow must set the input; leaving it out is a validation error.</summary>
    public bool Required { get; init; }

    /// <summary>What a string value names (a model, a prompt), so the validator checks that it exists.</summary>
    public InputReference Reference { get; init; }

    /// <summary>Position among the activity's inputs in listings and the designer (lower first).</summary>
    public int Order { get; init; }

    /// <summary>Inclusive lower bound for numeric inputs.</summary>
    public double Min { get; init; } = double.NaN;
}

/// <summary>Elsa Studio's UI hints for input editors, the values of <see cref="InputAttribute.UIHint"/>.</summary>
public static class UIHints
{
    /// <summary>A one-line text box, the default for strings and numbers.</summary>
    public const string SingleLine = "singleline";

    /// <summary>A text area, for long text such as instructions.</summary>
    public const string MultiLine = "multiline";

    /// <summary>A check box, the default for booleans.</summary>
    public const string Checkbox = "checkbox";

    /// <summary>A list of <see cref="InputAttribute.Options"/>, the default for enums and inputs with options.</summary>
    public const string Dropdown = "dropdown";

    /// <summary>A JSON editor, the default for objects.</summary>
    public const string Json = "json-editor";

    /// <summary>A list of text items, the default for string and number arrays.</summary>
    public const string MultiText = "multitext";
}
