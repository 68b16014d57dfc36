using System.Text.Json.Nodes;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Runtime;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Cli.Tests;

/// <summary>
/// Workflows used as activities (Elsa's "Usable as activity"): the SEIDR repair loop of
/// workflows/activities/repair-loop.yaml used by two example workflows, a real Elsa export with a workflow-definition
/// node, and every way a reference can be wrong.
/// </summary>
public class WorkflowActivityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-wfa-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static readonly string[] Compared = ["problems", "solved", "pass@1", "programs", "calls", "model_samples", "input_tokens", "output_tokens", "budget_exhausted"];

    private async Task<JsonObject> RunAsync(string workflow, string name)
    {
        var r = await Seidr.RunAsync(["run", workflow, "--out", Path.Combine(_dir, "out-" + name)]);
        r.ExitCode.Should().Be(0, r.StandardOutput + r.StandardError);
        return JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "out-" + name, "summary.json")))!.AsObject();
    }

    private static Dictionary<string, string> Metrics(JsonObject summary) =>
        summary["variants"]!.AsArray().SelectMany(v => Compared.Select(m => ($"{v!["id"]}:{m}", v!["metrics"]![m]?.ToJsonString() ?? "null")))
            .ToDictionary(x => x.Item1, x => x.Item2);

    [Fact]
    public async Task The_repair_loop_as_an_activity_scores_as_the_inline_seidr_workflow()
    {
        var inline = await RunAsync("workflows/seidr.yaml", "inline");
        var reused = await RunAsync("workflows/seidr-activity.yaml", "reused");
        Metrics(reused).Should().Equal(Metrics(inline));
        Metrics(reused)["ranking=score,branching=2:solved"].Should().Be("3");
    }

    [Fact]
    public async Task The_second_user_of_the_repair_loop_runs_both_arities()
    {
        var summary = await RunAsync("workflows/seidr-branching.yaml", "branching");
        summary["variants"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()).Should().Equal("branching=1", "branching=2");
        summary["variants"]!.AsArray().Should().OnlyContain(v => v!["metrics"]!["programs"]!.GetValue<int>() > 0);
    }

    /// <summary>The two files of tests/…/elsa-export shaped as Elsa 3.8 exports them, next to the scripted model.</summary>
    private string CopyExport()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "elsa-export"))) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        Directory.CreateDirectory(Path.Combine(_dir, "models"));
        File.Copy(Seidr.Path_("workflows", "models", "seidr.scripted.yaml"), Path.Combine(_dir, "models", "seidr.scripted.yaml"));
        return Path.Combine(_dir, "seidr-activity.json");
    }

    [Fact]
    public async Task A_real_elsa_export_with_a_workflow_definition_node_is_read_as_elsa_format_and_runs()
    {
        var parent = CopyExport();
        var loaded = WorkflowFile.Load(parent);
        loaded.Diagnostics.Should().BeEmpty();
        var node = loaded.Definition!.FindActivity("repair_loop")!;
        node.Workflow!.DefinitionId.Should().Be("repair-loop");
        node.Workflow.VersionId.Should().Be("5b0d2c7e41f9a3c8");
        node.Workflow.LatestAvailablePublishedVersion.Should().Be(1);
        node.Type.Should().Be("RepairLoop");
        node.Inputs.Keys.Should().Equal("branching", "model", "ranking");
        var child = WorkflowFile.Load(Path.Combine(_dir, "repair-loop.json")).Definition!;
        child.UsableAsActivity.Should().BeTrue();
        child.Outcomes.Should().Equal("Solved", "Exhausted");

        var validate = await Seidr.RunAsync(["validate", parent]);
        validate.ExitCode.Should().Be(0, validate.StandardOutput + validate.StandardError);
        validate.StandardError.Should().NotContain("is not an Elsa input");

        var reused = await RunAsync(parent, "export");
        var yaml = await RunAsync("workflows/seidr-activity.yaml", "yaml");
        Metrics(reused).Should().Equal(Metrics(yaml));

        // Written back in Elsa's spelling, the node keeps Elsa's four fields and its type.
        var written = JsonNode.Parse(ElsaJsonFormat.Write(loaded.Definition))!["root"]!["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "repair_loop")!;
        written["workflowDefinitionId"]!.GetValue<string>().Should().Be("repair-loop");
        written["workflowDefinitionVersionId"]!.GetValue<string>().Should().Be("5b0d2c7e41f9a3c8");
        written["latestAvailablePublishedVersionId"]!.GetValue<string>().Should().Be("5b0d2c7e41f9a3c8");
        written["type"]!.GetValue<string>().Should().Be("RepairLoop");
    }

    [Fact]
    public async Task An_unknown_workflow_in_an_elsa_export_is_a_located_error_naming_it()
    {
        var parent = CopyExport();
        // As in Elsa's own fixture (consumer.json): a node of a workflow that was not exported with it.
        var text = (await File.ReadAllTextAsync(parent)).Replace("\"workflowDefinitionId\": \"repair-loop\"", "\"workflowDefinitionId\": \"99c1c6cf2fec47b3b4916a01425ec989\"");
        await File.WriteAllTextAsync(parent, text);
        var line = text.Split('\n').ToList().FindIndex(l => l.Contains("\"workflowDefinitionId\"")) + 1;
        var r = await Seidr.RunAsync(["validate", parent]);
        r.ExitCode.Should().Be(1);
        r.StandardError.Should().Contain($"seidr-activity.json:{line}:")
            .And.Contain("activity 'repair_loop' uses workflow '99c1c6cf2fec47b3b4916a01425ec989' as an activity, but no workflow file in")
            .And.Contain("activities[repair_loop].workflow");
    }

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Child = """
        id: loop
        usable_as_activity: true
        inputs:
          model: the model
        outcomes: [Solved, Exhausted]
        activities:
        - id: execute
          type: Seidr.Execute
        - id: rank
          type: Seidr.Rank
        - id: repair
          type: Seidr.Draft
          inputs:
            model: ${model}
            prompt: draft
        - id: solved
          type: Seidr.Complete
          inputs:
            outcome: Solved
        - id: exhausted
          type: Seidr.Complete
          inputs:
            outcome: Exhausted
        connections:
        - execute.Done -> rank
        - rank.Solved -> solved
        - rank.Exhausted -> exhausted
        - rank.Beam -> repair
        - repair.Done -> execute
        """;

    private static string Parent(string node, string budget = "  budget:\n    max_programs: 4\n", string connections = "- draft.Done -> fix\n- fix.Solved -> submit\n- fix.Exhausted -> submit\n") => $"""
        id: parent
        experiment:
          dataset: humaneval
          problems: 0-1
          models:
            coder:
              provider: scripted
              file: {Seidr.Path_("workflows", "models", "quickstart.scripted.yaml")}
        {budget}activities:
        - id: draft
          type: Seidr.Draft
          inputs:
            model: coder
            prompt: draft
        {node}
        - id: submit
          type: Seidr.Submit
        connections:
        {connections}
        """;

    private static int LineOf(string text, string part) => text.Split('\n').ToList().FindIndex(l => l.Contains(part)) + 1;

    private const string FixNode = "- id: fix\n  workflow: loop\n  inputs:\n    model: coder";

    private List<Diagnostic> Errors(string parentYaml, string childYaml = Child)
    {
        Write("loop.yaml", childYaml);
        var path = Write("parent.yaml", parentYaml);
        return ExperimentRunner.Validate(path).Where(d => d.Severity == Severity.Error).ToList();
    }

    [Fact]
    public void A_valid_parent_and_child_have_no_errors()
    {
        Errors(Parent(FixNode)).Should().BeEmpty();
    }

    [Fact]
    public void A_misspelt_workflow_is_located_and_suggests_the_known_one()
    {
        var text = Parent(FixNode.Replace("workflow: loop", "workflow: lopo"));
        var errors = Errors(text);
        var e = errors.Should().ContainSingle().Subject;
        e.ToString().Should().Contain($"parent.yaml:{LineOf(text, "workflow: lopo")}:3: error: activity 'fix' uses workflow 'lopo' as an activity, but no workflow file in")
            .And.Contain("did you mean 'loop'?");
    }

    [Fact]
    public void A_workflow_not_marked_usable_as_an_activity_is_refused()
    {
        Errors(Parent(FixNode), Child.Replace("usable_as_activity: true\n", "")).Should().Contain(d =>
            d.Message.Contains("which is not usable as an activity: set 'usable_as_activity: true'") && d.Path == "activities[fix].workflow");
    }

    [Fact]
    public void An_input_the_workflow_does_not_declare_is_an_error_at_the_input()
    {
        var text = Parent(FixNode + "\n    beam: 3");
        Errors(text).Should().ContainSingle(d =>
            d.Message == "workflow 'loop' declares no input 'beam'; its inputs are model" && d.Location.Line == LineOf(text, "beam: 3"));
    }

    [Fact]
    public void A_port_the_workflow_does_not_declare_is_an_error_at_the_connection()
    {
        Errors(Parent(FixNode, connections: "- draft.Done -> fix\n- fix.Solved -> submit\n- fix.Failed -> submit\n")).Should().ContainSingle(d =>
            d.Message.Contains("workflow 'loop' has no outcome 'Failed'; its outcomes are Solved, Exhausted"));
    }

    [Fact]
    public void A_loop_inside_the_workflow_needs_the_callers_budget()
    {
        Errors(Parent(FixNode, budget: "")).Should().Contain(d => d.Message.Contains("activity 'fix' runs workflow 'loop', which loops; set experiment.budget"));
    }

    [Fact]
    public void A_workflow_that_uses_itself_is_an_error()
    {
        var selfUsing = Child.Replace("- id: solved\n", "- id: again\n  workflow: loop\n- id: solved\n").Replace("- repair.Done -> execute", "- repair.Done -> execute\n- rank.Exhausted -> again");
        Errors(Parent(FixNode), selfUsing).Should().Contain(d => d.Message.Contains("uses workflow 'loop', which uses itself (parent -> loop -> loop)") || d.Message.Contains("which uses itself"));
    }

    [Fact]
    public void Errors_inside_the_used_workflow_are_reported_at_the_node_with_their_own_location()
    {
        var errors = Errors(Parent(FixNode), Child.Replace("type: Seidr.Rank", "type: Seidr.Rnak"));
        errors.Should().ContainSingle(d => d.Path == "activities[fix].workflow"
            && d.Message.Contains("uses workflow 'loop', which has 1 error(s); the first:") && d.Message.Contains("loop.yaml:10:9: error: unknown activity type 'Seidr.Rnak'"));
    }

    [Fact]
    public void Complete_belongs_to_a_workflow_usable_as_an_activity_and_names_one_of_its_outcomes()
    {
        var child = Errors(Parent(FixNode), Child.Replace("outcome: Exhausted", "outcome: Tired"));
        child.Should().Contain(d => d.Message.Contains("outcome: 'Tired' is not one of the workflow's outcomes (Solved, Exhausted)"));
        Write("plain.yaml", Parent("- id: done\n  type: Seidr.Complete\n  inputs:\n    outcome: Solved").Replace("- draft.Done -> fix\n", "- draft.Done -> done\n- draft.Done -> submit\n").Replace("- fix.Solved -> submit\n- fix.Exhausted -> submit\n", ""));
        ExperimentRunner.Validate(Path.Combine(_dir, "plain.yaml")).Should().Contain(d =>
            d.Message.Contains("(Seidr.Complete) ends a workflow used as an activity, but this workflow is not one"));
    }

    [Fact]
    public void Type_and_workflow_together_are_an_error()
    {
        Errors(Parent(FixNode.Replace("  workflow: loop", "  type: Seidr.Draft\n  workflow: loop"))).Should().Contain(d =>
            d.Message.Contains("gives both 'type' and 'workflow'"));
    }

    [Fact]
    public async Task A_workflow_usable_as_an_activity_does_not_run_on_its_own()
    {
        var r = await Seidr.RunAsync(["run", "workflows/activities/repair-loop.yaml", "--out", Path.Combine(_dir, "alone")]);
        r.ExitCode.Should().Be(1);
        r.StandardError.Should().Contain("repair-loop.yaml").And.Contain("is usable as an activity and names no dataset");
    }
}
