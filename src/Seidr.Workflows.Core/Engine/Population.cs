using System.Collections;
using System.Collections.Immutable;

namespace Seidr.Workflows.Engine;

/// <summary>An ordered, immutable set of candidates flowing along a connection.</summary>
public sealed class Population : IReadOnlyList<Candidate>, IEquatable<Population>
{
    /// <summary>No candidates: what a start activity receives.</summary>
    public static Population Empty { get; } = new([]);

    /// <summary>The candidates in order; a default array is taken as empty.</summary>
    public Population(ImmutableArray<Candidate> candidates) => Candidates = candidates.IsDefault ? [] : candidates;

    /// <summary>The candidates in order.</summary>
    public Population(IEnumerable<Candidate> candidates) : this(candidates.ToImmutableArray()) { }

    /// <summary>The candidates, in order.</summary>
    public ImmutableArray<Candidate> Candidates { get; }

    /// <summary>How many candidates there are.</summary>
    public int Count => Candidates.Length;

    /// <summary>The candidate at <paramref name="index"/>.</summary>
    public Candidate this[int index] => Candidates[index];

    /// <summary>Whether there are no candidates.</summary>
    public bool IsEmpty => Candidates.IsEmpty;

    /// <summary>The candidates of <paramref name="kind"/> (see <see cref="CandidateKinds"/>), in order.</summary>
    public IEnumerable<Candidate> OfKind(string kind) => Candidates.Where(c => c.Kind == kind);

    /// <summary>The programs, in order (the candidates of kind <see cref="CandidateKinds.Program"/>).</summary>
    public IReadOnlyList<Candidate> Programs => OfKind(CandidateKinds.Program).ToArray();

    /// <summary>Union in order, later duplicates (by id) replacing earlier ones in place.</summary>
    public Population Merge(Population other)
    {
        if (IsEmpty) return other;
        if (other.IsEmpty) return this;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<Candidate>(Count + other.Count);
        foreach (var c in Candidates.Concat(other.Candidates))
        {
            if (index.TryGetValue(c.Id, out var at)) list[at] = c;
            else { index[c.Id] = list.Count; list.Add(c); }
        }
        return new Population(list);
    }

    /// <summary>The candidates that match <paramref name="predicate"/>, in order.</summary>
    public Population Where(Func<Candidate, bool> predicate) => new(Candidates.Where(predicate));

    /// <summary>Each candidate with the same id in <paramref name="replacements"/> swapped for it in place (a scored version, ...); the others kept.</summary>
    public Population Replace(IEnumerable<Candidate> replacements)
    {
        var byId = replacements.ToDictionary(c => c.Id, StringComparer.Ordinal);
        return new(Candidates.Select(c => byId.GetValueOrDefault(c.Id, c)));
    }

    /// <summary>The candidates, in order.</summary>
    public IEnumerator<Candidate> GetEnumerator() => ((IEnumerable<Candidate>)Candidates).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Equal when both hold equal candidates in the same order.</summary>
    public bool Equals(Population? other) => other is not null && Candidates.SequenceEqual(other.Candidates);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Population);

    /// <inheritdoc/>
    public override int GetHashCode() => Count;
}
