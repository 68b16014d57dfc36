using System.Text.Json.Nodes;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>Workflows used as activities through the Elsa API: the palette entry, the node as Studio loads it, and saves.</summary>
public class WorkflowActivityApiTests
{
    private static string SeidrActivity(TestProject p) => Path.Combine(p.Workflows, "seidr-activity.yaml");
    private static string RepairLoop(TestProject p) => Path.Combine(p.Workflows, "activities", "repair-loop.yaml");

    [Fact]
    public async Task A_workflow_usable_as_an_activity_is_in_the_palette_as_elsa_describes_it()
    {
        await using var p = await TestProject.StartAsync(workflowActivity: true);
        var items = (await p.GetJsonAsync("elsa/api/descriptors/activities"))["items"]!.AsArray();
        var d = items.Single(i => i!["typeName"]!.GetValue<string>() == "RepairLoop")!;
        d["category"]!.GetValue<string>().Should().Be("Workflows");
        d["displayName"]!.GetValue<string>().Should().Be("SEIDR repair loop");
        d["ports"]!.AsArray().Select(x => x!["name"]!.GetValue<string>()).Should().Equal("Solved", "Exhausted");
        d["inputs"]!.AsArray().Select(x => x!["name"]!.GetValue<string>()).Should().Equal("model", "branching", "ranking");
        d["constructionProperties"]!["WorkflowDefinitionId"]!.GetValue<string>().Should().Be("repair-loop");
        d["customProperties"]!["RootType"]!.GetValue<string>().Should().Be("WorkflowDefinitionActivity");
        // A workflow not usable as an activity is not in the palette.
        items.Should().NotContain(i => i!["typeName"]!.GetValue<string>() == "Quickstart");
    }

    [Fact]
    public async Task The_node_loads_with_elsas_fields_and_a_type_and_version_studio_can_find()
    {
        await using var p = await TestProject.StartAsync(workflowActivity: true);
        var model = await p.LoadAsync("seidr-activity");
        var node = model["root"]!["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "repair_loop")!;
        node["type"]!.GetValue<string>().Should().Be("RepairLoop");
        node["version"]!.GetValue<int>().Should().Be(1);
        node["workflowDefinitionId"]!.GetValue<string>().Should().Be("repair-loop");
        node["workflowDefinitionVersionId"]!.GetValue<string>().Should().Be("repair-loop:v1");
        node["latestAvailablePublishedVersion"]!.GetValue<int>().Should().Be(1);
        node["ranking"]!["expression"]!["value"]!.GetValue<string>().Should().Be("${ranking}");
        var child = await p.LoadAsync("repair-loop");
        child["options"]!["usableAsActivity"]!.GetValue<bool>().Should().BeTrue();
        child["outcomes"]!.AsArray().Select(o => o!.GetValue<string>()).Should().Equal("Solved", "Exhausted");
    }

    [Fact]
    public async Task Moving_the_node_changes_only_its_position_line_and_saving_the_used_workflow_unchanged_writes_nothing()
    {
        await using var p = await TestProject.StartAsync(workflowActivity: true);
        var before = File.ReadAllText(SeidrActivity(p));
        var model = await p.LoadAsync("seidr-activity");
        model.Remove("links");
        var node = model["root"]!["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "repair_loop")!;
        node["metadata"]!["designer"]!["position"] = new JsonObject { ["x"] = 260.4, ["y"] = 40 };
        (await p.PostJsonAsync("elsa/api/workflow-definitions", new JsonObject { ["model"] = model, ["publish"] = false })).IsSuccessStatusCode.Should().BeTrue();
        TextDiff.ChangedLines(before, File.ReadAllText(SeidrActivity(p))).Should().Equal([("  position: [240, 0]", "  position: [260, 40]")]);

        var loopBefore = File.ReadAllText(RepairLoop(p));
        var loop = await p.LoadAsync("repair-loop");
        var response = await p.PostJsonAsync("elsa/api/workflow-definitions", new JsonObject { ["model"] = loop, ["publish"] = false });
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
        File.ReadAllText(RepairLoop(p)).Should().Be(loopBefore);
    }

    [Fact]
    public async Task Unticking_usable_as_activity_is_refused_while_the_workflow_ends_on_outcomes()
    {
        await using var p = await TestProject.StartAsync(workflowActivity: true);
        var before = File.ReadAllText(RepairLoop(p));
        var loop = await p.LoadAsync("repair-loop");
        loop["options"]!["usableAsActivity"] = false;
        var response = await p.PostJsonAsync("elsa/api/workflow-definitions", new JsonObject { ["model"] = loop, ["publish"] = false });
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("(Seidr.Complete) ends a workflow used as an activity, but this workflow is not one");
        File.ReadAllText(RepairLoop(p)).Should().Be(before);
    }

    [Fact]
    public async Task Ticking_usable_as_activity_in_studio_is_written_to_the_file()
    {
        await using var p = await TestProject.StartAsync(workflowActivity: true);
        var before = File.ReadAllText(p.YamlPath);
        var model = await p.LoadAsync("quickstart");
        model["options"]!["usableAsActivity"] = true;
        var response = await p.PostJsonAsync("elsa/api/workflow-definitions", new JsonObject { ["model"] = model, ["publish"] = false });
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
        File.ReadAllText(p.YamlPath).Should().Be(before.Replace("\nexperiment:", "\nusable_as_activity: true\nexperiment:"));
        (await p.GetJsonAsync("elsa/api/descriptors/activities"))["items"]!.AsArray().Should().Contain(i => i!["typeName"]!.GetValue<string>() == "Quickstart");
    }

    [Fact]
    public async Task A_node_of_an_unknown_workflow_is_refused_with_the_validators_message()
    {
        await using var p = await TestProject.StartAsync(workflowActivity: true);
        var model = await p.LoadAsync("seidr-activity");
        var node = model["root"]!["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "repair_loop")!;
        node["workflowDefinitionId"] = "repair-lop";
        var response = await p.PostJsonAsync("elsa/api/workflow-definitions", new JsonObject { ["model"] = model, ["publish"] = false });
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("uses workflow 'repair-lop' as an activity").And.Contain("did you mean 'repair-loop'?");
    }
}
