using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;

// Activities the catalog must refuse; outside Support's namespace so that TestCatalog does not take them.
namespace Seidr.Workflows.Core.Tests.Malformed;

[Activity("Test", "TwoPorts")]
public sealed class TwoPorts : Activity
{
    [Outcome(Description = "What stays.")] public const string Kept = "Kept";
    [Outcome] public const string Dropped = "Dropped";

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) => Task.FromResult(ActivityResult.Of(Kept, context.Input));
}

[Activity("Test", "PortTwice")]
[Outcome("Done")]
public sealed class PortTwice : Activity
{
    [Outcome] public const string Done = Ports.Done;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) => Task.FromResult(ActivityResult.Of(Done, context.Input));
}

[Activity("Test", "PortNotConst")]
public sealed class PortNotConst : Activity
{
    [Outcome] public static readonly string Done = Ports.Done;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) => Task.FromResult(ActivityResult.Of(Done, context.Input));
}

[Activity("Test", "PortMisnamed")]
public sealed class PortMisnamed : Activity
{
    [Outcome("Other")] public const string Done = Ports.Done;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) => Task.FromResult(ActivityResult.Of(Done, context.Input));
}

[Activity("Seidr", "Submit")]
public sealed class SecondSubmit : Activity
{
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) => Task.FromResult(ActivityResult.Of(Ports.Done, context.Input));
}
