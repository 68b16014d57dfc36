using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// How a stage that makes several model calls shares what is left of the flow's budget, deterministically: the calls
/// and programs left are handed out in item order before anything runs, so which items are served does not depend
/// on timing. Token and time limits cannot be known in advance; they are checked before each call.
/// </summary>
internal static class StageBudget
{
    /// <summary>Model calls that may still be made (int.MaxValue when calls are not limited).</summary>
    public static int CallsLeft(FlowBudget budget) =>
        budget.Limits.Calls is { } max ? Math.Max(0, max - budget.Calls) : int.MaxValue;

    /// <summary>
    /// Programs each item may make: <paramref name="perItem"/> each, in order, until the programs left run out
    /// (later items get fewer, then none).
    /// </summary>
    public static int[] SharePrograms(FlowBudget budget, int items, int perItem)
    {
        var left = budget.ProgramsLeft;
        var shares = new int[items];
        for (int i = 0; i < items; i++)
        {
            shares[i] = Math.Min(perItem, left);
            left -= shares[i];
        }
        return shares;
    }
}
