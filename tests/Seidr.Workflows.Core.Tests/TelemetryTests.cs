using System.Collections.Concurrent;
using System.Diagnostics;
using Seidr.Workflows.Core.Tests.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Core.Tests;

public class TelemetryTests
{
    [Fact]
    public async Task Engine_events_become_a_span_per_flow_with_a_child_span_per_activity()
    {
        var spans = new ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == EngineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var def = TestCatalog.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Workflows", "loop.yaml")));
        using var telemetry = new EngineTelemetry();
        var options = TestCatalog.Options(2, telemetry) with { RunId = "telemetry-" + Guid.NewGuid() };
        await new WorkflowEngine().RunAsync(def, options);

        var mine = spans.Where(s => s.GetTagItem("seidr.run") as string == options.RunId).ToList();
        mine.Should().HaveCount(4, "2 problems x 2 variants");
        var flow = mine.Single(s => s.DisplayName == "flow step=1/P0");
        flow.GetTagItem("seidr.status").Should().Be("Completed");
        var children = spans.Where(s => s.ParentSpanId == flow.SpanId).ToList();
        children.Select(c => c.GetTagItem("seidr.activity")).Should().Contain(["emit", "check", "improve", "submit"]);
        children.Count(c => (string?)c.GetTagItem("seidr.activity") == "improve").Should().Be(4, "four generations from 1 to 5");
        System.Diagnostics.Activity.Current.Should().BeNull("the telemetry observer leaves no ambient span behind");
    }
}
