using System.Text.Json.Nodes;
using Seidr.Workflows.Core.Tests.Support;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Serialization;
using Seidr.Workflows.Validation;

namespace Seidr.Workflows.Core.Tests;

public class ValidationTests
{
    private sealed class References : IWorkflowReferences
    {
        public bool ModelExists(string name) => name == "configured-in-appsettings";
        public string? CheckPrompt(string name) => name is "draft" or "repair" ? null : $"no prompt '{name}' under prompts/ (known: draft, repair)";
        public string? CheckDataset(string dataset) => dataset == "test" ? null : $"unknown dataset '{dataset}'";
    }

    private static readonly WorkflowValidator Validator = new(TestCatalog.Instance, new References());
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Workflows");

    public static TheoryData<string> BrokenFiles() => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Workflows", "broken")).Select(Path.GetFileName).Order()!);

    [Fact]
    public void The_sample_workflow_is_valid()
    {
        var diags = Validator.Validate(WorkflowFile.Load(Path.Combine(Dir, "loop.yaml")));
        diags.Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Each_broken_file_gets_its_located_error(string name)
    {
        var path = Path.Combine(Dir, "broken", name);
        var expect = File.ReadLines(path).First()["# expect: ".Length..];
        var (where, message) = (expect[..expect.IndexOf(": ", StringComparison.Ordinal)], expect[(expect.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
        var diags = Validator.Validate(WorkflowFile.Load(path));
        var errors = diags.Where(d => d.Severity == Severity.Error).ToList();
        errors.Should().Contain(d => d.Message.Contains(message), $"{name} should report '{message}'; got:\n{string.Join("\n", diags)}");
        var hit = errors.First(d => d.Message.Contains(message));
        hit.File.Should().Be(path);
        if (where != "*") $"{hit.Location.Line}:{hit.Location.Column}".Should().Be(where, hit.ToString());
        hit.ToString().Should().StartWith($"{path}:{hit.Location.Line}:{hit.Location.Column}: error: ");
    }

    [Fact]
    public void Json_errors_are_located_in_the_json_file()
    {
        var json = JsonNode.Parse(ElsaJsonFormat.Write(WorkflowFile.Load(Path.Combine(Dir, "loop.yaml")).RequireDefinition()))!;
        json["root"]!["activities"]![2]!["type"] = "Test.Improov";
        json["root"]!["activities"]![1]!["beamWidth"]!["expression"]!["value"] = "wide";
        var text = json.ToJsonString(ElsaJsonFormat.WriteOptions);
        var lines = text.Split('\n');
        var diags = Validator.Validate(ElsaJsonFormat.Read(text, "w.json"));
        var type = diags.Single(d => d.Message.Contains("unknown activity type 'Test.Improov'"));
        lines[type.Location.Line - 1].Should().Contain("\"type\": \"Test.Improov\"");
        var value = diags.Single(d => d.Message.Contains("\"wide\""));
        lines[value.Location.Line - 1].Should().Contain("\"beamWidth\"");
        value.Path.Should().Be("activities[check].inputs.beamWidth");
    }

    [Fact]
    public void All_problems_in_a_file_are_reported_at_once()
    {
        var text = File.ReadAllText(Path.Combine(Dir, "loop.yaml"))
            .Replace("type: Test.Improve", "type: Nope.Nothing")
            .Replace("model: fake", "model: missing")
            .Replace("- improve.Done -> check", "- improve.Done -> gone");
        var diags = Validator.Validate(YamlWorkflowFormat.Read(text, "many.yaml"));
        diags.Count(d => d.Severity == Severity.Error).Should().BeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public void A_model_configured_outside_the_file_is_known()
    {
        var text = File.ReadAllText(Path.Combine(Dir, "loop.yaml")).Replace("model: fake", "model: configured-in-appsettings");
        Validator.Validate(YamlWorkflowFormat.Read(text, "ok.yaml")).Should().BeEmpty();
    }

    [Fact]
    public void An_unknown_dataset_is_an_error()
    {
        var text = File.ReadAllText(Path.Combine(Dir, "loop.yaml")).Replace("dataset: test", "dataset: humaneval2");
        Validator.Validate(YamlWorkflowFormat.Read(text, "d.yaml")).Should().Contain(d => d.Message == "unknown dataset 'humaneval2'" && d.Location.Line == 7);
    }

    [Fact]
    public void An_unused_axis_is_a_warning_not_an_error()
    {
        var text = File.ReadAllText(Path.Combine(Dir, "loop.yaml")).Replace("step: ${step}", "step: 1");
        var diags = Validator.Validate(YamlWorkflowFormat.Read(text, "w.yaml"));
        diags.Should().ContainSingle().Which.Severity.Should().Be(Severity.Warning);
    }
}
