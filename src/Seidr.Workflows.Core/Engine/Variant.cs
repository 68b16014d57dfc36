using System.Collections.Immutable;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Engine;

/// <summary>One point of the matrix: axis values in axis order, and an id made of them.</summary>
/// <param name="Id">The axis values as <c>name=value</c> pairs joined by commas (<c>model=coder,drafts=2</c>), or <c>default</c>.</param>
/// <param name="Axes">Axis name and value, in the matrix's axis order.</param>
public sealed record Variant(string Id, ImmutableArray<KeyValuePair<string, string>> Axes)
{
    /// <summary>The one variant of a workflow without a matrix.</summary>
    public static Variant Default { get; } = new("default", []);

    /// <summary>The matrix axis that sets the language programs are written in (<c>python</c>, <c>cpp</c>).</summary>
    public const string LanguageAxis = "language";

    /// <summary>The variant's value of <paramref name="axis"/>, or null when the matrix has no such axis.</summary>
    public string? this[string axis] => Axes.FirstOrDefault(a => a.Key == axis).Value;

    /// <summary>Equal when the ids and the axis values, in order, are.</summary>
    public bool Equals(Variant? other) => other is not null && Id == other.Id && Axes.SequenceEqual(other.Axes);

    /// <inheritdoc/>
    public override int GetHashCode() => Id.GetHashCode();
}

/// <summary>Expands a <see cref="Matrix"/> into variants: the cartesian product of its axes, minus excludes, plus includes.</summary>
public static class MatrixExpander
{
    /// <summary>The variants in axis order (the last axis varies fastest), then the includes; <see cref="Variant.Default"/> alone for an empty matrix.</summary>
    public static IReadOnlyList<Variant> Expand(Matrix matrix)
    {
        if (matrix.IsEmpty) return [Variant.Default];
        IEnumerable<ImmutableArray<KeyValuePair<string, string>>> points = [[]];
        foreach (var axis in matrix.Axes)
        {
            var a = axis;
            points = points.SelectMany(p => a.Values.Select(v => p.Add(new(a.Name, v))));
        }
        var result = points
            .Where(p => !matrix.Exclude.Any(ex => ex.All(kv => p.Any(x => x.Key == kv.Key && x.Value == kv.Value))))
            .ToList();
        foreach (var inc in matrix.Include)
        {
            var point = matrix.Axes.Where(a => inc.ContainsKey(a.Name)).Select(a => new KeyValuePair<string, string>(a.Name, inc[a.Name]))
                .Concat(inc.Where(kv => matrix.Axes.All(a => a.Name != kv.Key)))
                .ToImmutableArray();
            if (!result.Any(r => r.SequenceEqual(point))) result.Add(point);
        }
        return result.Select(p => new Variant(IdOf(p), p)).ToList();
    }

    /// <summary>The variant id of a point: <c>name=value</c> pairs joined by commas, or <c>default</c> for none.</summary>
    internal static string IdOf(ImmutableArray<KeyValuePair<string, string>> point) =>
        point.IsEmpty ? "default" : string.Join(",", point.Select(kv => $"{kv.Key}={kv.Value}"));
}
