using System.Collections.Immutable;
using Seidr.Workflows.Core.Tests.Support;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Core.Tests;

public class SerializationTests
{
    private static string Sample => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Workflows", "loop.yaml"));

    [Fact]
    public void Canonical_yaml_loads_and_saves_to_the_same_text()
    {
        var def = TestCatalog.Parse(Sample);
        YamlWorkflowFormat.Write(def).Should().Be(Sample);
    }

    [Fact]
    public void Yaml_to_json_to_yaml_gives_back_the_same_text()
    {
        var def = TestCatalog.Parse(Sample);
        var json = ElsaJsonFormat.Write(def);
        var back = ElsaJsonFormat.Read(json, "x.json").RequireDefinition();
        back.Should().Be(def);
        YamlWorkflowFormat.Write(back).Should().Be(Sample);
        ElsaJsonFormat.Write(back).Should().Be(json, "JSON written from the same model is the same text");
    }

    [Fact]
    public void Json_has_the_elsa_3_shape()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(ElsaJsonFormat.Write(TestCatalog.Parse(Sample)))!;
        json["definitionId"]!.GetValue<string>().Should().Be("loop-test");
        json["root"]!["type"]!.GetValue<string>().Should().Be("Elsa.Flowchart");
        var emit = json["root"]!["activities"]![0]!;
        emit["type"]!.GetValue<string>().Should().Be("Test.Emit");
        emit["nodeId"]!.GetValue<string>().Should().Be("loop-test:flowchart1:emit");
        emit["count"]!["expression"]!["type"]!.GetValue<string>().Should().Be("Literal");
        emit["count"]!["expression"]!["value"]!.GetValue<int>().Should().Be(2);
        emit["count"]!["typeName"]!.GetValue<string>().Should().Be("Int32");
        emit["metadata"]!["designer"]!["position"]!["x"]!.GetValue<double>().Should().Be(0);
        var c = json["root"]!["connections"]![1]!;
        c["source"]!["activity"]!.GetValue<string>().Should().Be("check");
        c["source"]!["port"]!.GetValue<string>().Should().Be("Failed");
        c["target"]!["port"]!.GetValue<string>().Should().Be("In");
        json["customProperties"]!["seidr"]!["budget"]!["maxPrograms"]!.GetValue<int>().Should().Be(50);
    }

    [Fact]
    public void Unknown_elsa_fields_survive_a_round_trip_through_yaml()
    {
        var json = ElsaJsonFormat.Write(TestCatalog.Parse(Sample));
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node["createdAt"] = "2026-11-23T10:00:00+00:00";
        node["root"]!["activities"]![0]!["metadata"]!["designer"]!.AsObject()["size"] = new System.Text.Json.Nodes.JsonObject { ["width"] = 120, ["height"] = 50 };
        var edited = node.ToJsonString(ElsaJsonFormat.WriteOptions) + "\n";
        var def = ElsaJsonFormat.Read(edited, "x.json").RequireDefinition();
        var yaml = YamlWorkflowFormat.Write(def);
        yaml.Should().Contain("createdAt");
        var again = YamlWorkflowFormat.Read(yaml, "x.yaml").RequireDefinition();
        again.Should().Be(def);
        System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(ElsaJsonFormat.Write(again)), System.Text.Json.Nodes.JsonNode.Parse(edited)).Should().BeTrue();
    }

    [Fact]
    public void Moving_a_node_changes_only_its_position_line()
    {
        var def = TestCatalog.Parse(Sample);
        var moved = def with { Activities = def.Activities.Select(a => a.Id == "check" ? a with { Position = new Position(250, 40) } : a).ToImmutableArray() };
        var before = Sample.Split('\n');
        var after = YamlWorkflowFormat.Write(moved).Split('\n');
        after.Length.Should().Be(before.Length);
        before.Zip(after).Where(p => p.First != p.Second).Should().ContainSingle().Which.Second.Should().Be("  position: [250, 40]");
    }

    [Fact]
    public void Strings_that_look_like_other_types_stay_strings()
    {
        var yaml = Sample.Replace("model: fake", "model: \"true\"");
        var def = TestCatalog.Parse(yaml);
        def.FindActivity("emit")!.Inputs["model"].AsText().Should().Be("true");
        YamlWorkflowFormat.Write(def).Should().Be(yaml);
    }

    [Fact]
    public void Multiline_and_special_strings_round_trip()
    {
        var def = TestCatalog.Parse(Sample) with { Description = "line one\n  indented: yes\n# not a comment\n", Name = "a: b # c" };
        var yaml = YamlWorkflowFormat.Write(def);
        var back = TestCatalog.Parse(yaml);
        back.Description.Should().Be(def.Description);
        back.Name.Should().Be(def.Name);
        YamlWorkflowFormat.Write(back).Should().Be(yaml);
        ElsaJsonFormat.Read(ElsaJsonFormat.Write(back), "x.json").RequireDefinition().Should().Be(back);
    }

    [Fact]
    public void An_elsa_exports_own_variables_are_refused_each_located_and_named()
    {
        // A real Elsa 3.8 export (tests/Seidr.Workflows.Cli.Tests/elsa-export) with two variables in Elsa's shape.
        var export = File.ReadAllText(global::Seidr.Workflows.Tests.RepoRoot.Combine("tests", "Seidr.Workflows.Cli.Tests", "elsa-export", "seidr-activity.json"));
        export.Should().Contain("\n  \"variables\": [],\n");
        var text = export.Replace("\n  \"variables\": [],\n", """

              "variables": [
                {"id": "d4f3a9c2e1b07a55", "name": "Attempts", "typeName": "Int32", "isArray": false, "value": "3",
                 "storageDriverTypeName": "Elsa.Workflows.WorkflowStorageDriver, Elsa.Workflows.Core"},
                {"id": "0b7e51c9aa2d4e13", "typeName": "Object", "isArray": false}
              ],

            """);
        var line = text[..text.IndexOf("\"Attempts\"", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        var loaded = ElsaJsonFormat.Read(text, "export.json");
        var errors = loaded.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        errors.Select(d => d.Path).Should().Equal("variables", "variables");
        errors[0].Location.Line.Should().Be(line);
        errors[0].Message.Should().StartWith("workflow variable 'Attempts' is not supported").And.Contain("customProperties.seidr");
        errors[1].Location.Line.Should().Be(line + 2);
        errors[1].Message.Should().StartWith("workflow variable #2 is not supported");
        // Without them, the same export reads without error.
        ElsaJsonFormat.Read(export, "export.json").Diagnostics.Should().NotContain(d => d.Severity == Severity.Error);
    }

    [Fact]
    public void Workflow_variables_kept_under_elsa_in_yaml_are_refused_located()
    {
        var yaml = Sample + "elsa:\n  createdAt: '2026-11-23T10:00:00+00:00'\n  variables:\n  - name: Attempts\n    typeName: Int32\n";
        var loaded = YamlWorkflowFormat.Read(yaml, "x.yaml");
        var error = loaded.Diagnostics.Should().ContainSingle(d => d.Severity == Severity.Error).Which;
        error.Path.Should().Be("elsa.variables");
        error.Location.Line.Should().Be(yaml.Split('\n').ToList().IndexOf("  - name: Attempts") + 1);
        error.Message.Should().StartWith("workflow variable 'Attempts' is not supported");
    }

    [Fact]
    public void Malformed_yaml_is_located()
    {
        var loaded = YamlWorkflowFormat.Read("id: x\nactivities:\n  - id: a\n   type: [oops\n", "bad.yaml");
        loaded.HasErrors.Should().BeTrue();
        loaded.Diagnostics[0].ToString().Should().StartWith("bad.yaml:").And.Contain("malformed YAML");
        loaded.Diagnostics[0].Location.Line.Should().BeInRange(3, 5);
    }

    [Fact]
    public void Malformed_json_is_located()
    {
        var loaded = ElsaJsonFormat.Read("{\n  \"definitionId\": \"x\",\n  \"root\": {\n    \"type\": \"Elsa.Flowchart\",,\n  }\n}\n", "bad.json");
        loaded.HasErrors.Should().BeTrue();
        loaded.Diagnostics[0].Location.Line.Should().Be(4);
        loaded.Diagnostics[0].Message.Should().StartWith("malformed JSON");
    }
}

public class StudioValueTests
{
    [Fact]
    public void Values_the_studio_writes_as_strings_are_read_by_their_type_name()
    {
        var def = TestCatalog.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Workflows", "loop.yaml")));
        var json = System.Text.Json.Nodes.JsonNode.Parse(ElsaJsonFormat.Write(def))!;
        json["root"]!["activities"]![0]!["count"]!["expression"]!["value"] = "2";   // as Studio sends an edited Int32
        json["root"]!["activities"]![0]!["count"]!["memoryReference"] = null;       // as Studio sends it after an edit
        var back = ElsaJsonFormat.Read(json.ToJsonString(), "s.json").RequireDefinition();
        back.Should().Be(def);
    }

    [Theory]
    [InlineData("budget", "maxPrograms", "-5", "experiment.budget.max_programs")]
    [InlineData("budget", "calls", "0", "experiment.budget.calls")]
    [InlineData("budget", "tokens", "\"many\"", "experiment.budget.tokens")]
    [InlineData("runBudget", "calls", "-1", "experiment.run_budget.calls")]
    [InlineData("runBudget", "tokens", "1.5", "experiment.run_budget.tokens")]
    [InlineData(null, "concurrency", "0", "experiment.concurrency")]
    public void A_json_limit_below_one_is_a_located_error_not_no_limit(string? group, string name, string value, string path)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(ElsaJsonFormat.Write(TestCatalog.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Workflows", "loop.yaml")))))!;
        var seidr = json["customProperties"]!["seidr"]!.AsObject();
        var target = group is null ? seidr : (seidr[group] ??= new System.Text.Json.Nodes.JsonObject()).AsObject();
        target[name] = System.Text.Json.Nodes.JsonNode.Parse(value);
        var text = json.ToJsonString(ElsaJsonFormat.WriteOptions);
        var loaded = ElsaJsonFormat.Read(text, "w.json");
        var line = text.Split('\n').ToList().FindIndex(l => l.Contains($"\"{name}\": {value}")) + 1;
        loaded.Diagnostics.Should().ContainSingle(d => d.Path == path).Which.Should().Match<Diagnostics.Diagnostic>(d =>
            d.Location.Line == line && d.Message.Contains($"'{name}' must be a whole number >= 1"));
    }
}
