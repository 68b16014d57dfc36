using Seidr.Workflows.Engine;
using Seidr.Workflows.Runtime;
using Seidr.Workflows.Serialization;

namespace Seidr.Samples.Stages.Tests;

/// <summary>The sample plugin as seidr uses it: loaded from its .dll through a workflow's experiment.plugins.</summary>
public class PluginStageTests
{
    private static readonly string Samples = FindSamples();
    private static string Lab => Path.Combine(Samples, "lab.yaml");

    [Fact]
    public void The_workflow_s_catalog_has_the_plugin_s_activity()
    {
        var catalog = ExperimentRunner.CatalogFor(WorkflowFile.Load(Lab), out var problems);
        problems.Should().BeEmpty();
        var d = catalog.Find("Lab.MaxLines");
        d.Should().NotBeNull("samples/lab.yaml lists the plugin under experiment.plugins");
        d!.Outcomes.Select(o => o.Name).Should().Equal("Done", "Empty");
        d.Inputs.Select(i => i.YamlName).Should().Contain("max_line_count");
        d.ClrType.Assembly.Location.Should().EndWith(Path.Combine("plugin", "Seidr.Samples.Stages.dll"));
        ExperimentRunner.Validate(Lab).Should().BeEmpty();
    }

    [Fact]
    public async Task A_workflow_runs_the_plugin_s_stage()
    {
        var result = await ExperimentRunner.RunAsync(new ExperimentOptions { WorkflowPath = Lab, VerdictCacheOff = true });
        result.Run.Status.Should().Be(RunStatus.Completed);
        var flows = result.Run.Variants.Single().Flows;
        flows.Should().HaveCount(5).And.OnlyContain(f => f.Status == FlowStatus.Completed && f.Error == null);
        // Every flow ran the stage (its measure is there). Measured: both drafts of HumanEval/1 are over 8 non-blank lines
        // (the stage sends the input on through Empty), every other draft is kept; 4 of 5 are solved, as in the quickstart.
        flows.OrderBy(f => f.Key.ProblemId, StringComparer.Ordinal).Select(f => f.Measures["programs_too_long"]).Should().Equal(0, 2, 0, 0, 0);
        flows.Count(f => f.SolvedByHiddenTests).Should().Be(4);
    }

    private static string FindSamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "samples", "lab.yaml"))) return Path.Combine(dir.FullName, "samples");
        throw new InvalidOperationException("samples/lab.yaml not found above " + AppContext.BaseDirectory);
    }
}
