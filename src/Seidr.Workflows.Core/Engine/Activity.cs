using Seidr.Workflows.Catalog;

namespace Seidr.Workflows.Engine;

/// <summary>
/// A workflow stage. Subclasses carry <see cref="ActivityAttribute"/>, <see cref="OutcomeAttribute"/>s and
/// <see cref="InputAttribute"/> properties; the engine creates one instance per invocation and binds its inputs.
/// </summary>
public abstract class Activity
{
    [Input(Description = "When false the activity is skipped and its input passes through on the first outcome. Bind it to a matrix axis (${lexicon}) to switch a stage per variant.", Order = 1000)]
    public bool Enabled { get; set; } = true;

    public abstract Task<ActivityResult> ExecuteAsync(ActivityContext context);
}

/// <summary>What an activity emits: populations on named outcome ports, in order.</summary>
public sealed record ActivityResult(IReadOnlyList<KeyValuePair<string, Population>> Outputs)
{
    public static ActivityResult Of(string port, Population population) => new([new(port, population)]);
    public static ActivityResult Of(string port, IEnumerable<Candidate> candidates) => Of(port, new Population(candidates));
    public static ActivityResult None { get; } = new([]);

    public ActivityResult And(string port, Population population) => new([.. Outputs, new(port, population)]);
    public ActivityResult And(string port, IEnumerable<Candidate> candidates) => And(port, new Population(candidates));
}
