namespace Seidr.Workflows.Catalog;

/// <summary>Marks a class as a workflow activity. Its type name is <c>{Namespace}.{Name}</c>, e.g. <c>Seidr.Draft</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute(string @namespace, string name) : Attribute
{
    public string Namespace { get; } = @namespace;
    public string Name { get; } = name;
    public string? Category { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
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

    public string? Name { get; }
    public string? Description { get; init; }
}

/// <summary>What kind of reference a string input holds, so the validator can check it.</summary>
public enum InputReference
{
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
    public string? DisplayName { get; init; }
    public string? Description { get; init; }

    /// <summary>Designer editor: see <see cref="UIHints"/>.</summary>
    public string? UIHint { get; init; }

    /// <summary>Allowed values (shown as a dropdown); any other value is a validation error.</summary>
    public string[]? Options { get; init; }

    public bool Required { get; init; }
    public InputReference Reference { get; init; }
    public int Order { get; init; }

    /// <summary>Inclusive lower bound for numeric inputs.</summary>
    public double Min { get; init; } = double.NaN;
}

/// <summary>Elsa Studio's UI hints for input editors.</summary>
public static class UIHints
{
    public const string SingleLine = "singleline";
    public const string MultiLine = "multiline";
    public const string Checkbox = "checkbox";
    public const string Dropdown = "dropdown";
    public const string Json = "json-editor";
    public const string MultiText = "multitext";
}
