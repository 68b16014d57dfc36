using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Definitions;

/// <summary>
/// What the experiment runs on and how: dataset and problem selection, named models, the matrix of variant axes,
/// per-problem budgets, seed and concurrency. Stored in Elsa JSON under <c>customProperties.seidr</c>.
/// </summary>
public sealed record ExperimentSettings
{
    /// <summary>Dataset name (<c>humaneval</c>, <c>mbpp</c>, <c>gsm8k</c>, ...) or a path to a problem file.</summary>
    public string? Dataset { get; init; }

    /// <summary>Problem selection: <c>all</c>, <c>0-19</c>, ids, <c>random:20:seed=7</c>.</summary>
    public string? Problems { get; init; }

    /// <summary>Seeds the activities' random sources, so a run repeats; <see cref="Engine.RunOptions.Seed"/> overrides it.</summary>
    public int Seed { get; init; }

    /// <summary>Most problem-variant flows in flight at once; null means the engine's default.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Named models: name -> provider settings as plain values (provider, model, temperature, ...).</summary>
    public ImmutableSortedDictionary<string, JsonObject> Models { get; init; } = ImmutableSortedDictionary<string, JsonObject>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The variant axes; every problem runs once under each variant.</summary>
    public Matrix Matrix { get; init; } = Matrix.Empty;

    /// <summary>Limits of each problem-variant flow.</summary>
    public Budget Budget { get; init; } = Budget.None;

    /// <summary>Limits of the whole run, over every flow (<c>run_budget</c>).</summary>
    public RunBudget RunBudget { get; init; } = RunBudget.None;

    /// <summary>
    /// Whether a run whose model calls lost samples (after their retries) still counts as a success
    /// (<c>allow_failed_samples</c>; default false: such a run exits with an error and its flows run again on resume).
    /// </summary>
    public bool AllowFailedSamples { get; init; }

    /// <summary>The k values reported as pass@k.</summary>
    public ImmutableArray<int> K { get; init; } = [1];

    /// <summary>Settings we do not interpret, kept verbatim in a round trip.</summary>
    public JsonObject? Extras { get; init; }

    /// <summary>Equal when every setting is, JSON settings compared by value.</summary>
    public bool Equals(ExperimentSettings? other) =>
        other is not null && Dataset == other.Dataset && Problems == other.Problems && Seed == other.Seed && Concurrency == other.Concurrency &&
        Models.Count == other.Models.Count && Models.All(kv => other.Models.TryGetValue(kv.Key, out var o) && JsonNode.DeepEquals(kv.Value, o)) &&
        Matrix.Equals(other.Matrix) && Budget == other.Budget && RunBudget == other.RunBudget && AllowFailedSamples == other.AllowFailedSamples &&
        K.SequenceEqual(other.K) && JsonNode.DeepEquals(Extras, other.Extras);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Dataset, Problems, Seed);
}

/// <summary>
/// Per problem-variant limits. A loop must be bounded by at least one of them or by an exit. <see cref="Cost"/> is in the
/// currency of the models' prices.
/// </summary>
/// <param name="MaxPrograms">Most programs the flow may create (<c>max_programs</c>).</param>
/// <param name="Calls">Most model calls, cached answers included.</param>
/// <param name="Tokens">Most input and output tokens.</param>
/// <param name="Time">Most wall-clock time.</param>
/// <param name="Cost">Most money spent on model calls.</param>
public sealed record Budget(int? MaxPrograms = null, int? Calls = null, long? Tokens = null, TimeSpan? Time = null, decimal? Cost = null)
{
    /// <summary>No limits.</summary>
    public static Budget None { get; } = new();

    /// <summary>Whether any limit is set.</summary>
    public bool IsBounded => MaxPrograms is not null || Calls is not null || Tokens is not null || Time is not null || Cost is not null;
}

/// <summary>
/// Limits of a whole run, over all its flows: model calls, tokens and cost (in the currency of the models' prices). No
/// model call starts once it could pass a limit: calls in flight count against it with their estimate.
/// </summary>
/// <param name="Cost">Most money spent on model calls by the whole run.</param>
/// <param name="Calls">Most model calls, cached answers included.</param>
/// <param name="Tokens">Most input and output tokens.</param>
public sealed record RunBudget(decimal? Cost = null, long? Calls = null, long? Tokens = null)
{
    /// <summary>No limits.</summary>
    public static RunBudget None { get; } = new();

    /// <summary>Whether any limit is set.</summary>
    public bool IsBounded => Cost is not null || Calls is not null || Tokens is not null;
}

/// <summary>
/// Variant axes, expanded as a cartesian product (minus <see cref="Exclude"/>, plus <see cref="Include"/>).
/// Axis values are strings; activities read them through <c>${axis}</c> in their inputs.
/// </summary>
public sealed record Matrix
{
    /// <summary>No axes: the one variant <see cref="Engine.Variant.Default"/>.</summary>
    public static Matrix Empty { get; } = new();

    /// <summary>Axis name -> values, in file order.</summary>
    public ImmutableArray<MatrixAxis> Axes { get; init; } = [];

    /// <summary>Partial points (axis -> value) whose matching variants are dropped.</summary>
    public ImmutableArray<ImmutableSortedDictionary<string, string>> Exclude { get; init; } = [];

    /// <summary>Points added after the product (when not already in it); keys that are no axis add values of their own.</summary>
    public ImmutableArray<ImmutableSortedDictionary<string, string>> Include { get; init; } = [];

    /// <summary>Whether there is nothing to expand (no axes, no includes).</summary>
    public bool IsEmpty => Axes.IsEmpty && Include.IsEmpty;

    /// <summary>Equal when the axes, excludes and includes, in order, are.</summary>
    public bool Equals(Matrix? other) =>
        other is not null && Axes.SequenceEqual(other.Axes) &&
        Exclude.Length == other.Exclude.Length && Exclude.Zip(other.Exclude).All(p => p.First.SequenceEqual(p.Second)) &&
        Include.Length == other.Include.Length && Include.Zip(other.Include).All(p => p.First.SequenceEqual(p.Second));

    /// <inheritdoc/>
    public override int GetHashCode() => Axes.Length;
}

/// <summary>One axis of the matrix.</summary>
/// <param name="Name">What inputs refer to as <c>${name}</c>.</param>
/// <param name="Values">The axis's values, in file order.</param>
public sealed record MatrixAxis(string Name, ImmutableArray<string> Values)
{
    /// <summary>Equal when the names and the values, in order, are.</summary>
    public bool Equals(MatrixAxis? other) => other is not null && Name == other.Name && Values.SequenceEqual(other.Values);

    /// <inheritdoc/>
    public override int GetHashCode() => Name.GetHashCode();
}
