using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Ranking;

/// <summary>The beam a <see cref="Stages.Rank"/> kept in its last iteration of a flow (its parents, with keep_parents).</summary>
internal sealed record BeamState(IReadOnlyList<Candidate> Programs);
