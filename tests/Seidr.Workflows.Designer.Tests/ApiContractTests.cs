using System.Net;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>Every endpoint Elsa Studio 3.8.2's editor calls (docs/elsa-compat.md §3), against a real Kestrel on loopback.</summary>
public class ApiContractTests : IAsyncLifetime
{
    private TestProject _p = null!;
    public async Task InitializeAsync() => _p = await TestProject.StartAsync();
    public async Task DisposeAsync() => await _p.DisposeAsync();

    [Fact]
    public async Task The_definition_loads_as_Studio_needs_it_editable()
    {
        var d = await _p.LoadAsync();
        d["definitionId"]!.GetValue<string>().Should().Be("quickstart");
        d["isLatest"]!.GetValue<bool>().Should().BeTrue();
        d["links"]!.AsArray().Select(l => l!["rel"]!.GetValue<string>()).Should().Contain("publish");
        foreach (var list in new[] { "variables", "inputs", "outputs", "outcomes" }) d[list].Should().BeOfType<JsonArray>();
        d["customProperties"]!["seidr"]!["dataset"]!.GetValue<string>().Should().Be("humaneval");
        d["options"].Should().BeOfType<JsonObject>();
        var root = d["root"]!.AsObject();
        root["type"]!.GetValue<string>().Should().Be("Elsa.Flowchart");
        var rootNode = root["nodeId"]!.GetValue<string>();
        rootNode.Should().NotBeNullOrEmpty();
        var activities = root["activities"]!.AsArray().Select(a => a!.AsObject()).ToList();
        activities.Select(a => a["id"]!.GetValue<string>()).Should().Equal("draft", "execute", "rank", "submit");
        activities.Should().AllSatisfy(a => a["nodeId"]!.GetValue<string>().Should().Be($"{rootNode}:{a["id"]}"));
        activities[1]["metadata"]!["designer"]!["position"]!["x"]!.GetValue<double>().Should().Be(240);
        activities[2]["beamWidth"]!["typeName"]!.GetValue<string>().Should().Be("Int32");
        activities[2]["beamWidth"]!["expression"]!["value"]!.GetValue<int>().Should().Be(1);
        root["connections"]!.AsArray().Should().HaveCount(5);
        root["connections"]![4]!["source"]!["port"]!.GetValue<string>().Should().Be("Beam");
    }

    [Fact]
    public async Task The_alias_route_and_the_list_and_the_version_routes_answer()
    {
        (await _p.GetJsonAsync("elsa/api/workflow-definitions/quickstart"))["definitionId"]!.GetValue<string>().Should().Be("quickstart");
        (await _p.GetJsonAsync("elsa/api/workflow-definitions/by-id/quickstart:v1"))["definitionId"]!.GetValue<string>().Should().Be("quickstart");
        var list = await _p.GetJsonAsync("elsa/api/workflow-definitions?versionOptions=Latest");
        list["items"]!.AsArray().Select(i => i!["definitionId"]!.GetValue<string>()).Should().BeEquivalentTo("quickstart", "quickstart-json");
        list["totalCount"]!.GetValue<int>().Should().Be(2, "notes.json is not a workflow");
        (await _p.GetJsonAsync("elsa/api/workflow-definitions/many-by-id?ids=quickstart-json"))["items"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task Activity_descriptors_come_from_the_catalog_with_the_flowchart()
    {
        var items = (await _p.GetJsonAsync("elsa/api/descriptors/activities?Refresh=True"))["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        items.Select(i => (i["typeName"]!.GetValue<string>(), i["version"]!.GetValue<int>())).Should().OnlyHaveUniqueItems();
        var flowchart = items.Single(i => i["typeName"]!.GetValue<string>() == "Elsa.Flowchart");
        flowchart["isContainer"]!.GetValue<bool>().Should().BeTrue();
        flowchart["isBrowsable"]!.GetValue<bool>().Should().BeFalse();
        items.Select(i => i["typeName"]!.GetValue<string>()).Should().Contain(["Seidr.Draft", "Seidr.Execute", "Seidr.Rank", "Seidr.Submit"]);
        var rank = items.Single(i => i["typeName"]!.GetValue<string>() == "Seidr.Rank");
        rank["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Equal("Beam", "Solved", "Exhausted");
        rank["ports"]!.AsArray().Should().AllSatisfy(p => p!["type"]!.GetValue<string>().Should().Be("Flow"));
        var inputs = items.SelectMany(i => i["inputs"]!.AsArray()).Select(i => i!.AsObject()).ToList();
        inputs.Should().NotBeEmpty().And.AllSatisfy(i =>
        {
            i["isBrowsable"]!.GetValue<bool>().Should().BeTrue();
            i["isWrapped"]!.GetValue<bool>().Should().BeTrue();
            i["uiHint"]!.GetValue<string>().Should().BeOneOf("singleline", "multiline", "checkbox", "dropdown", "json-editor", "multitext");
            char.IsUpper(i["name"]!.GetValue<string>()[0]).Should().BeTrue("Elsa names inputs by the CLR property; Studio camelizes them");
        });
        var dropdowns = inputs.Where(i => i["uiHint"]!.GetValue<string>() == "dropdown").ToList();
        dropdowns.Should().NotBeEmpty().And.AllSatisfy(i => i["uiSpecifications"]!["dropdown"]!["selectList"]!["items"]!.AsArray().Should().NotBeEmpty());
    }

    [Fact]
    public async Task Expression_descriptors_list_literal_and_object()
    {
        var items = (await _p.GetJsonAsync("elsa/api/descriptors/expression-descriptors"))["items"]!.AsArray();
        items.Select(i => i!["type"]!.GetValue<string>()).Should().Contain(["Literal", "Object"]);
        items.Should().AllSatisfy(i => i!["properties"].Should().BeOfType<JsonObject>());
    }

    [Theory]
    [InlineData("descriptors/workflow-activation-strategies", true)]
    [InlineData("descriptors/incident-strategies", true)]
    [InlineData("descriptors/log-persistence-strategies", true)]
    [InlineData("descriptors/commit-strategies/workflows", true)]
    [InlineData("descriptors/commit-strategies/activities", true)]
    [InlineData("features/installed", true)]
    [InlineData("workflow-contexts/provider-descriptors", true)]
    [InlineData("descriptors/variables", false)]
    [InlineData("descriptors/storage-drivers", false)]
    [InlineData("descriptors/output-converters", false)]
    public async Task Lists_Studio_asks_for_are_never_null(string path, bool hasCount)
    {
        var body = await _p.GetJsonAsync("elsa/api/" + path);
        var items = body["items"].Should().BeOfType<JsonArray>().Subject;
        if (hasCount) body["count"]!.GetValue<int>().Should().Be(items.Count);
        else body.ContainsKey("count").Should().BeFalse();
    }

    [Fact]
    public async Task Variable_types_and_storage_drivers_are_listed()
    {
        (await _p.GetJsonAsync("elsa/api/descriptors/variables"))["items"]!.AsArray().Select(i => i!["typeName"]!.GetValue<string>()).Should().Contain("String");
        (await _p.GetJsonAsync("elsa/api/descriptors/storage-drivers"))["items"]!.AsArray().Should().NotBeEmpty();
    }

    [Fact]
    public async Task Name_uniqueness_ignores_the_workflow_itself()
    {
        (await _p.GetJsonAsync("elsa/api/workflow-definitions/validation/is-name-unique?name=Quickstart%20(JSON)&definitionId=quickstart"))["isUnique"]!.GetValue<bool>().Should().BeFalse();
        (await _p.GetJsonAsync("elsa/api/workflow-definitions/validation/is-name-unique?name=Quickstart%20(JSON)%20&definitionId=quickstart-json"))["isUnique"]!.GetValue<bool>().Should().BeTrue();
        (await _p.GetJsonAsync("elsa/api/workflow-definitions/validation/is-name-unique?name=Brand%20new"))["isUnique"]!.GetValue<bool>().Should().BeTrue();
    }

    [Theory]
    [InlineData("GET", "elsa/api/workflow-definitions/by-definition-id/nope?versionOptions=Latest")]
    [InlineData("GET", "elsa/api/workflow-instances/nope")]
    [InlineData("GET", "elsa/api/scripting/javascript/type-definitions/x")]
    [InlineData("POST", "elsa/api/descriptors/activities/Seidr.Draft/options/Model")]
    [InlineData("DELETE", "elsa/api/workflow-definitions/quickstart")]
    [InlineData("POST", "elsa/api/workflow-definitions/nope/execute")]
    public async Task Unsupported_or_missing_is_404_never_5xx(string method, string url)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "POST") request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        var response = await _p.Http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Publish_answers_with_the_definition_and_retract_is_refused_with_a_message()
    {
        var publish = await _p.PostJsonAsync("elsa/api/workflow-definitions/quickstart/publish", new JsonObject());
        publish.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonNode.Parse(await publish.Content.ReadAsStringAsync())!;
        body["workflowDefinition"]!["links"]!.AsArray().Select(l => l!["rel"]!.GetValue<string>()).Should().Contain("publish");
        var retract = await _p.PostJsonAsync("elsa/api/workflow-definitions/quickstart/retract", new JsonObject());
        retract.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonNode.Parse(await retract.Content.ReadAsStringAsync())!["errors"]!.AsObject().Should().NotBeEmpty();
    }

    [Fact]
    public async Task The_page_hosts_the_editor_element_with_an_absolute_endpoint_and_lists_the_workflows()
    {
        var html = await _p.Http.GetStringAsync("?id=quickstart-json");
        var api = $"{_p.Host.Url.ToString().TrimEnd('/')}/elsa/api";
        html.Should().Contain($"<elsa-workflow-definition-editor definition-id=\"quickstart-json\" remote-endpoint=\"{api}\">");
        html.Should().Contain("href=\"?id=quickstart\"").And.Contain("href=\"?id=quickstart-json\"").And.NotContain("notes.json");
        html.Should().Contain("_framework/blazor.webassembly.js").And.NotContain("elsa-studio-workflow-definition-editor");
        (await _p.Http.GetStringAsync("")).Should().Contain("definition-id=\"quickstart\"", "the first workflow opens by default");
    }
}
