using System.Collections;
using System.Collections.Immutable;

namespace Seidr.Workflows.Engine;

/// <summary>An ordered, immutable set of candidates flowing along a connection.</summary>
public sealed class Population : IReadOnlyList<Candidate>, IEquatable<Population>
{
    public static Population Empty { get; } = new([]);

    public Population(ImmutableArray<Candidate> candidates) => Candidates = candidates.IsDefault ? [] : candidates;
    public Population(IEnumerable<Candidate> candidates) : this(candidates.ToImmutableArray()) { }

    public ImmutableArray<Candidate> Candidates { get; }
    public int Count => Candidates.Length;
    public Candidate this[int index] => Candidates[index];
    public bool IsEmpty => Candidates.IsEmpty;

    public IEnumerable<Candidate> OfKind(string kind) => Candidates.Where(c => c.Kind == kind);
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

    public Population Where(Func<Candidate, bool> predicate) => new(Candidates.Where(predicate));
    public Population Replace(IEnumerable<Candidate> replacements)
    {
        var byId = replacements.ToDictionary(c => c.Id, StringComparer.Ordinal);
        return new(Candidates.Select(c => byId.GetValueOrDefault(c.Id, c)));
    }

    public IEnumerator<Candidate> GetEnumerator() => ((IEnumerable<Candidate>)Candidates).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    public bool Equals(Population? other) => other is not null && Candidates.SequenceEqual(other.Candidates);
    public override bool Equals(object? obj) => Equals(obj as Population);
    public override int GetHashCode() => Count;
}
