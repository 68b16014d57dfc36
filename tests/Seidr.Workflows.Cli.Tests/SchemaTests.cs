using NJsonSchema;
using YamlDotNet.RepresentationModel;

namespace Seidr.Workflows.Cli.Tests;

public class SchemaTests
{
    private static async Task<JsonSchema> Load(string spelling) =>
        await JsonSchema.FromFileAsync(Seidr.Path_("schemas", $"workflow.{spelling}.schema.json"));

    public static TheoryData<string> Examples() =>
        new(Directory.GetFiles(Seidr.Path_("workflows")).Where(f => f.EndsWith(".yaml") || f.EndsWith(".json")).Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Example_workflows_satisfy_the_shipped_schema(string name)
    {
        var path = Seidr.Path_("workflows", name);
        var json = name.EndsWith(".json") ? await File.ReadAllTextAsync(path) : YamlToJson(await File.ReadAllTextAsync(path));
        var errors = (await Load(name.EndsWith(".json") ? "json" : "yaml")).Validate(json);
        errors.Should().BeEmpty(string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
    }

    [Fact]
    public async Task The_schema_rejects_an_unknown_input()
    {
        var json = YamlToJson((await File.ReadAllTextAsync(Seidr.Path_("workflows", "quickstart.yaml"))).Replace("beam_width: 1", "beam_widht: 1"));
        (await Load("yaml")).Validate(json).Should().NotBeEmpty();
    }

    /// <summary>YAML to JSON text with the YAML core schema's typing of plain scalars.</summary>
    private static string YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode)!.ToJsonString();
    }

    private static System.Text.Json.Nodes.JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => new System.Text.Json.Nodes.JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
        YamlSequenceNode s => new System.Text.Json.Nodes.JsonArray(s.Children.Select(Convert).ToArray()),
        YamlScalarNode v when v.Style == YamlDotNet.Core.ScalarStyle.Plain && long.TryParse(v.Value, out var l) => l,
        YamlScalarNode v when v.Style == YamlDotNet.Core.ScalarStyle.Plain && double.TryParse(v.Value, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
        YamlScalarNode v when v.Style == YamlDotNet.Core.ScalarStyle.Plain && v.Value is "true" or "false" => v.Value == "true",
        YamlScalarNode v => v.Value,
        _ => null,
    };
}
