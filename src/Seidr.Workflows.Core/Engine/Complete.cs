using Seidr.Workflows.Catalog;

namespace Seidr.Workflows.Engine;

/// <summary>
/// Ends a workflow used as an activity on one of its outcomes (Elsa's Complete): the population that reaches it leaves
/// the workflow's node in the calling workflow on the port named by <see cref="Outcome"/>. Run on its own, the branch
/// ends here.
/// </summary>
[Activity("Seidr", "Complete", Category = "Flow", Spends = false, DisplayName = "Complete",
    Description = "In a workflow usable as an activity: the population that reaches it leaves the workflow's node on the outcome named here.")]
public sealed class Complete : Activity
{
    /// <summary>The calling node's port the population leaves on: one of the workflow's <c>outcomes</c>.</summary>
    [Input(Description = "The outcome (one of the workflow's outcomes) the population leaves on.", Required = true)]
    public string Outcome { get; set; } = "";

    /// <summary>Emits nothing: the composer replaces every Complete of a workflow used as an activity by connections
    /// to the caller's ports, so this runs only when the workflow runs on its own and the population has nowhere to go.</summary>
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) => Task.FromResult(ActivityResult.None);
}
