namespace Seidr.Workflows.Engine;

/// <summary>
/// The port names the engine itself gives a meaning to. An activity still declares each of its ports as its own
/// <c>[Outcome]</c> constant (<c>public const string Done = Ports.Done;</c>); these are only what those constants equal.
/// </summary>
public static class Ports
{
    /// <summary>The default port: an activity without outcomes has it, and a connection without a port starts there.</summary>
    public const string Done = "Done";

    /// <summary>Where a spending activity's input goes when the flow's budget is spent (see <see cref="Catalog.ActivityAttribute.Spends"/>).</summary>
    public const string Exhausted = "Exhausted";
}
