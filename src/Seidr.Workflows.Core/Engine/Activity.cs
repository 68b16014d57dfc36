using Seidr.Workflows.Catalog;

namespace Seidr.Workflows.Engine;

/// <summary>
/// A workflow stage. Subclasses carry <see cref="ActivityAttribute"/>, <see cref="OutcomeAttribute"/>s and
/// <see cref="InputAttribute"/> properties; the engine creates one instance per invocation and binds its inputs, so an
/// instance never sees two invocations and keeps state across iterations only through <see cref="ActivityContext"/>.
/// </summary>
public abstract class Activity
{
    /// <summary>Whether the activity runs; when false its input passes through on its primary (first) outcome.</summary>
    [Input(Description = "When false the activity is skipped and its input passes through on the first outcome. Bind it to a matrix axis (${lexicon}) to switch a stage per variant.", Order = 1000)]
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Does the stage's work on <see cref="ActivityContext.Input"/> and says which populations leave on which of its
    /// declared outcomes. Throwing fails the flow (a <see cref="RunAbortedException"/> stops the whole run).
    /// </summary>
    public abstract Task<ActivityResult> ExecuteAsync(ActivityContext context);
}

/// <summary>What an activity emits: populations on named outcome ports, in order.</summary>
/// <param name="Outputs">Port name and the population sent there; a port may appear more than once.</param>
public sealed record ActivityResult(IReadOnlyList<KeyValuePair<string, Population>> Outputs)
{
    /// <summary><paramref name="population"/> on <paramref name="port"/>, one of the activity's declared outcomes.</summary>
    public static ActivityResult Of(string port, Population population) => new([new(port, population)]);

    /// <summary><paramref name="candidates"/>, in order, on <paramref name="port"/>.</summary>
    public static ActivityResult Of(string port, IEnumerable<Candidate> candidates) => Of(port, new Population(candidates));

    /// <summary>Nothing on any port: the branch ends at this activity.</summary>
    public static ActivityResult None { get; } = new([]);

    /// <summary>This result plus <paramref name="population"/> on <paramref name="port"/>, to emit on several ports at once.</summary>
    public ActivityResult And(string port, Population population) => new([.. Outputs, new(port, population)]);

    /// <summary>This result plus <paramref name="candidates"/> on <paramref name="port"/>.</summary>
    public ActivityResult And(string port, IEnumerable<Candidate> candidates) => And(port, new Population(candidates));
}
