using System.Net;
using System.Text.Json.Nodes;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>
/// The experiment block on Studio's Variables tab (<c>variables</c> of the definition): every setting is served as a
/// variable, a save writes edited settings back into the file's <c>experiment:</c> block (Elsa JSON:
/// <c>customProperties.seidr</c>) in its own spelling with only the edited lines changed, and invalid values are
/// refused with located messages, the file untouched. Run over the repository's own example workflows.
/// </summary>
public class ExperimentSaveTests : IAsyncLifetime
{
    private TestProject _p = null!;

    public async Task InitializeAsync()
    {
        _p = await TestProject.StartAsync();
        // The repository's example workflows as they are (the JSON one as `seidr convert` wrote it), beside the test's own.
        var real = Path.Combine(_p.Workflows, "real");
        Directory.CreateDirectory(Path.Combine(real, "activities"));
        foreach (var f in Directory.GetFiles(Path.Combine(TestProject.RepoRoot, "workflows"), "*.yaml").Append(Path.Combine(TestProject.RepoRoot, "workflows", "quickstart.json")))
            File.Copy(f, Path.Combine(real, Path.GetFileName(f)));
        File.Copy(Path.Combine(TestProject.RepoRoot, "workflows", "activities", "repair-loop.yaml"), Path.Combine(real, "activities", "repair-loop.yaml"));
        CopyDirectory(Path.Combine(TestProject.RepoRoot, "workflows", "models"), Path.Combine(real, "models"));
    }

    public async Task DisposeAsync() => await _p.DisposeAsync();

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    /// <summary>The designer's id for a file (two files may share an id), from the list Studio reads.</summary>
    private async Task<string> KeyOfAsync(string relativePath)
    {
        var list = await _p.GetJsonAsync("elsa/api/workflow-definitions");
        return list["items"]!.AsArray().Single(i => i!["path"]!.GetValue<string>() == relativePath)!["definitionId"]!.GetValue<string>();
    }

    private string PathOf(string relativePath) => Path.Combine(_p.Workflows, relativePath);

    /// <summary>The loaded model as Studio posts it back: the variables' values as text (its dialog binds a string), sizes rewritten, links dropped.</summary>
    private static JsonObject AsStudioPosts(JsonObject loaded, Action<Dictionary<string, JsonObject>>? edit = null)
    {
        var model = loaded.DeepClone().AsObject();
        model["links"] = null;
        model["customProperties"]!["VariableTestValues"] = new JsonObject(); // Studio's Variables tab adds it
        foreach (var a in model["root"]!["activities"]!.AsArray())
            a!["metadata"]!["designer"]!["size"] = new JsonObject { ["width"] = 170.42, ["height"] = 54 };
        var variables = model["variables"]!.AsArray().Select(v => v!.AsObject()).ToDictionary(v => v["name"]!.GetValue<string>());
        edit?.Invoke(variables);
        return model;
    }

    private static void Set(Dictionary<string, JsonObject> variables, string name, string? value) => variables[name]["value"] = value;

    private static void Add(JsonObject model, string name, string typeName, string value, bool isArray = false) =>
        model["variables"]!.AsArray().Add(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString("N")[..16], ["name"] = name, ["typeName"] = typeName, ["isArray"] = isArray, ["value"] = value,
            ["storageDriverTypeName"] = "Seidr.Workflows.Memory",
        });

    private static void Remove(JsonObject model, string name)
    {
        var list = model["variables"]!.AsArray();
        list.Remove(list.Single(v => v!["name"]!.GetValue<string>() == name));
    }

    private async Task<HttpResponseMessage> SaveAsync(JsonObject model) =>
        await _p.PostJsonAsync("elsa/api/workflow-definitions", new JsonObject { ["model"] = model, ["publish"] = false });

    private static async Task<List<string>> MessagesAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body["errors"]!.AsObject().SelectMany(kv => kv.Value!.AsArray().Select(x => x!.GetValue<string>())).ToList();
    }

    /// <summary>Lines removed and added between two texts: the span between their common first and last lines.</summary>
    private static (string[] Removed, string[] Added) Diff(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head]) head++;
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)]) tail++;
        return (a[head..^tail], b[head..^tail]);
    }

    [Fact]
    public async Task Every_experiment_setting_is_a_variable_with_its_value()
    {
        var loaded = await _p.LoadAsync();
        var v = loaded["variables"]!.AsArray().Select(x => x!.AsObject()).ToDictionary(x => x["name"]!.GetValue<string>());
        string? Value(string name) => v[name]["value"]?.GetValue<string>();
        Value("dataset").Should().Be("humaneval");
        Value("problems").Should().Be("0-4");
        Value("seed").Should().Be("1");
        Value("budget.max_programs").Should().Be("6");
        Value("matrix.drafts").Should().Be("[\"1\", \"2\"]");
        v["matrix.drafts"]["isArray"]!.GetValue<bool>().Should().BeTrue();
        JsonNode.Parse(Value("models.coder")!)!.ToJsonString().Should().Be("{\"provider\":\"scripted\",\"file\":\"models/quickstart.scripted.yaml\"}");
        v["models.coder"]["typeName"]!.GetValue<string>().Should().Be("Object");
        v["budget.cost"]["typeName"]!.GetValue<string>().Should().Be("Decimal");
        // Unset settings are listed with no value, so they can be set from Studio.
        foreach (var unset in new[] { "concurrency", "budget.calls", "budget.tokens", "budget.time", "budget.cost", "run_budget.cost", "run_budget.calls", "run_budget.tokens" })
            Value(unset).Should().BeNull(unset);
        Value("k").Should().Be("[1]");
        Value("allow_failed_samples").Should().Be("false");
        // Studio's dialog keeps a variable's type only when the type is listed; every type used is.
        var types = (await _p.GetJsonAsync("elsa/api/descriptors/variables"))["items"]!.AsArray().Select(t => t!["typeName"]!.GetValue<string>()).ToList();
        v.Values.Select(x => x["typeName"]!.GetValue<string>()).Distinct().Should().BeSubsetOf(types);
        types[0].Should().Be("String", "Studio gives a new variable the first type");

        // Exclude lists and settings Seidr keeps verbatim (codet.yaml's judge_timeout_ms) are variables too.
        var align = (await _p.LoadAsync(await KeyOfAsync("real/align.yaml")))["variables"]!.AsArray().ToDictionary(x => x!["name"]!.GetValue<string>(), x => x!["value"]?.GetValue<string>());
        JsonNode.Parse(align["matrix.exclude"]!)!.AsArray().Should().HaveCount(8);
        align["concurrency"].Should().Be("1");
        var codet = (await _p.LoadAsync(await KeyOfAsync("real/codet.yaml")))["variables"]!.AsArray().ToDictionary(x => x!["name"]!.GetValue<string>(), x => x!["value"]?.GetValue<string>());
        codet["judge_timeout_ms"].Should().Be("100");
        codet["problems"].Should().Be("all");
    }

    [Fact]
    public async Task Saving_every_example_workflow_unedited_leaves_its_file_as_it_is()
    {
        var files = Directory.GetFiles(Path.Combine(_p.Workflows, "real"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml") || f.EndsWith(".json")).Where(f => !f.Contains("/models/")).ToList();
        files.Should().HaveCountGreaterThan(10);
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(_p.Workflows, file).Replace('\\', '/');
            var before = File.ReadAllText(file);
            var response = await SaveAsync(AsStudioPosts(await _p.LoadAsync(await KeyOfAsync(relative))));
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"{relative}: {await response.Content.ReadAsStringAsync()}");
            File.ReadAllText(file).Should().Be(before, relative);
        }
    }

    [Theory]
    [InlineData("real/quickstart.yaml", "    max_programs: 6", "    max_programs: 8")]
    [InlineData("real/quickstart.json", "        \"maxPrograms\": 6", "        \"maxPrograms\": 8")]
    public async Task Changing_one_budget_value_changes_only_that_line(string file, string lineBefore, string lineAfter)
    {
        var before = File.ReadAllText(PathOf(file));
        var response = await SaveAsync(AsStudioPosts(await _p.LoadAsync(await KeyOfAsync(file)), v => Set(v, "budget.max_programs", "8")));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        TextDiff.ChangedLines(before, File.ReadAllText(PathOf(file))).Should().Equal([(lineBefore, lineAfter)]);
        WorkflowFile.Load(PathOf(file)).RequireDefinition().Experiment.Budget.MaxPrograms.Should().Be(8);

        // The answer carries the saved value, as Studio shows it from then on.
        var saved = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["workflowDefinition"]!["variables"]!.AsArray();
        saved.Single(x => x!["name"]!.GetValue<string>() == "budget.max_programs")!["value"]!.GetValue<string>().Should().Be("8");
    }

    [Theory]
    [InlineData("real/quickstart.yaml")]
    [InlineData("real/quickstart.json")]
    public async Task Adding_a_matrix_value_changes_only_that_axis(string file)
    {
        var before = File.ReadAllText(PathOf(file));
        var response = await SaveAsync(AsStudioPosts(await _p.LoadAsync(await KeyOfAsync(file)), v => Set(v, "matrix.drafts", "[\"1\", \"2\", \"3\"]")));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var (removed, added) = Diff(before, File.ReadAllText(PathOf(file)));
        if (file.EndsWith(".yaml"))
        {
            removed.Should().Equal("    drafts: [\"1\", \"2\"]");
            added.Should().Equal("    drafts: [\"1\", \"2\", \"3\"]");
        }
        else
        {
            removed.Should().Equal("          \"2\"");
            added.Should().Equal("          \"2\",", "          \"3\"");
        }
        WorkflowFile.Load(PathOf(file)).RequireDefinition().Experiment.Matrix.Axes.Single().Values.Should().Equal("1", "2", "3");
    }

    [Theory]
    [InlineData("quickstart.yaml")]
    [InlineData("quickstart-json.json")]
    public async Task Every_setting_is_written_back_in_the_files_own_spelling(string file)
    {
        var key = await KeyOfAsync(file);
        var model = AsStudioPosts(await _p.LoadAsync(key), v =>
        {
            Set(v, "dataset", "humaneval-no-examples");
            Set(v, "problems", "0-2");
            Set(v, "seed", "7");
            Set(v, "concurrency", "2");
            Set(v, "k", "[1, 10]");
            Set(v, "budget.max_programs", "9");
            Set(v, "budget.calls", "50");
            Set(v, "budget.tokens", "100000");
            Set(v, "budget.time", "10m");
            Set(v, "budget.cost", "2.50");
            Set(v, "run_budget.cost", "5");
            Set(v, "run_budget.calls", "1000");
            Set(v, "run_budget.tokens", "200000");
            Set(v, "allow_failed_samples", "True");
            Set(v, "matrix.drafts", "1, 2, 4");
            Set(v, "models.coder", "{\"provider\": \"scripted\", \"file\": \"models/quickstart.scripted.yaml\", \"temperature\": 0.2}");
        });
        Add(model, "models.second", "Object", "{\"provider\": \"scripted\", \"file\": \"models/quickstart.scripted.yaml\"}");
        Add(model, "matrix.beam", "String", "[\"1\", \"2\"]", isArray: true);
        Add(model, "matrix.exclude", "Object", "[{\"drafts\": \"4\", \"beam\": \"2\"}]");
        var response = await SaveAsync(model);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        var e = WorkflowFile.Load(PathOf(file)).RequireDefinition().Experiment;
        e.Dataset.Should().Be("humaneval-no-examples");
        e.Problems.Should().Be("0-2");
        e.Seed.Should().Be(7);
        e.Concurrency.Should().Be(2);
        e.K.Should().Equal(1, 10);
        e.Budget.Should().Be(new Budget(9, 50, 100000, TimeSpan.FromMinutes(10), 2.50m));
        e.RunBudget.Should().Be(new RunBudget(5m, 1000, 200000));
        e.AllowFailedSamples.Should().BeTrue();
        e.Matrix.Axes.Select(a => (a.Name, string.Join(",", a.Values))).Should().Equal(("drafts", "1,2,4"), ("beam", "1,2"));
        e.Matrix.Exclude.Should().ContainSingle().Which.Should().Equal(new Dictionary<string, string> { ["beam"] = "2", ["drafts"] = "4" });
        e.Models.Keys.Should().Equal("coder", "second");
        e.Models["coder"]["temperature"]!.GetValue<double>().Should().Be(0.2);

        var text = File.ReadAllText(PathOf(file));
        if (file.EndsWith(".yaml"))
            text.Should().Contain("  k: [1, 10]\n").And.Contain("  budget:\n    max_programs: 9\n    calls: 50\n    tokens: 100000\n    time: 10m\n    cost: 2.50\n")
                .And.Contain("  run_budget:\n    cost: 5\n    calls: 1000\n    tokens: 200000\n").And.Contain("  allow_failed_samples: true\n")
                .And.Contain("    drafts: [\"1\", \"2\", \"4\"]\n    beam: [\"1\", \"2\"]\n    exclude:\n    - {beam: \"2\", drafts: \"4\"}\n");
        else
            text.Should().Contain("\"runBudget\": {").And.Contain("\"maxPrograms\": 9").And.Contain("\"allowFailedSamples\": true").And.Contain("\"cost\": 2.50");

        // Deleting a variable unsets its setting (a budget limit, an axis, a model).
        var again = AsStudioPosts(await _p.LoadAsync(key));
        foreach (var name in new[] { "budget.cost", "matrix.beam", "matrix.exclude", "models.second", "run_budget.calls" }) Remove(again, name);
        response = await SaveAsync(again);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        e = WorkflowFile.Load(PathOf(file)).RequireDefinition().Experiment;
        e.Budget.Cost.Should().BeNull();
        e.RunBudget.Should().Be(new RunBudget(5m, null, 200000));
        e.Matrix.Axes.Select(a => a.Name).Should().Equal("drafts");
        e.Matrix.Exclude.Should().BeEmpty();
        e.Models.Keys.Should().Equal("coder");
    }

    [Theory]
    [InlineData("budget.max_programs", "-5", 17, "variable budget.max_programs: '-5' is not a whole number >= 1")]
    [InlineData("budget.cost", "0", 16, "variable budget.cost: '0' is not an amount > 0")]
    [InlineData("seed", "abc", 9, "variable seed: 'abc' is not a whole number")]
    [InlineData("concurrency", "0", 1, "variable concurrency: '0' is not a whole number >= 1")]
    [InlineData("budget.time", "soon", 16, "variable budget.time: 'soon' is not a duration")]
    [InlineData("allow_failed_samples", "maybe", 1, "variable allow_failed_samples: 'maybe' is not true or false")]
    [InlineData("k", "[0]", 1, "variable k: '0' is not a whole number >= 1")]
    [InlineData("models.coder", "{provider: scripted", 11, "variable models.coder: not valid JSON")]
    [InlineData("models.coder", "[1]", 11, "the model's settings must be a JSON object")]
    [InlineData("dataset", "no-such-dataset", 7, "unknown dataset 'no-such-dataset'")]
    [InlineData("matrix.drafts", "[\"1\", \"a=b\"]", 15, "axis 'drafts': values may not contain ',' or '='")]
    [InlineData("matrix.drafts", "[]", 15, "axis 'drafts' has no values")]
    [InlineData("models.coder", "{\"file\": \"x.yaml\"}", 11, "model 'coder' names no provider")]
    public async Task An_invalid_setting_is_refused_with_a_located_message_and_the_file_is_untouched(string name, string value, int line, string message)
    {
        var before = File.ReadAllText(_p.YamlPath);
        var messages = await MessagesAsync(await SaveAsync(AsStudioPosts(await _p.LoadAsync(), v => Set(v, name, value))));
        // Located in the file as it is: at the setting's line, or at the experiment block for a setting it does not have yet.
        var at = line == 1 ? 6 : line;
        messages.Should().Contain(m => m.StartsWith($"quickstart.yaml:{at}:") && m.Contains(message), string.Join("\n", messages));
        File.ReadAllText(_p.YamlPath).Should().Be(before);
    }

    [Fact]
    public async Task A_negative_budget_in_a_JSON_file_is_located_in_the_JSON()
    {
        var before = File.ReadAllText(_p.JsonPath);
        var line = before.Split('\n').ToList().FindIndex(l => l.Contains("\"maxPrograms\"")) + 1;
        var messages = await MessagesAsync(await SaveAsync(AsStudioPosts(await _p.LoadAsync("quickstart-json"), v => Set(v, "budget.max_programs", "-5"))));
        messages.Should().Contain(m => m.StartsWith($"quickstart-json.json:{line}:") && m.Contains("'-5' is not a whole number >= 1"));
        File.ReadAllText(_p.JsonPath).Should().Be(before);
    }

    [Fact]
    public async Task Variables_that_are_no_setting_are_refused_not_dropped()
    {
        var before = File.ReadAllText(_p.YamlPath);
        var model = AsStudioPosts(await _p.LoadAsync());
        Add(model, "Variable1", "String", "x");
        Add(model, "budget.max_programs", "Int32", "7");
        Add(model, "models.", "Object", "{}");
        var messages = await MessagesAsync(await SaveAsync(model));
        messages.Should().Contain(m => m.Contains("variable Variable1 is not an experiment setting") && m.Contains("models.<name>"));
        messages.Should().Contain(m => m.Contains("variable budget.max_programs is given twice"));
        messages.Should().Contain(m => m.Contains("needs a model name after the dot"));
        File.ReadAllText(_p.YamlPath).Should().Be(before);
    }

    [Fact]
    public async Task An_unchanged_amount_keeps_its_spelling_and_a_valid_save_after_a_refused_one_is_written()
    {
        // The file says 0.50; Studio posts 0.5 (or "0.50"): the same amount, so the line stays as it is.
        File.WriteAllText(_p.YamlPath, File.ReadAllText(_p.YamlPath).Replace("    max_programs: 6\n", "    max_programs: 6\n    cost: 0.50\n"));
        var before = File.ReadAllText(_p.YamlPath);
        var response = await SaveAsync(AsStudioPosts(await _p.LoadAsync(), v => { Set(v, "budget.cost", "0.5"); Set(v, "problems", " 0-4 "); }));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        File.ReadAllText(_p.YamlPath).Should().Be(before);

        (await SaveAsync(AsStudioPosts(await _p.LoadAsync(), v => Set(v, "budget.cost", "-1")))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        File.ReadAllText(_p.YamlPath).Should().Be(before);
        response = await SaveAsync(AsStudioPosts(await _p.LoadAsync(), v => Set(v, "budget.cost", "0.75")));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        TextDiff.ChangedLines(before, File.ReadAllText(_p.YamlPath)).Should().Equal([("    cost: 0.50", "    cost: 0.75")]);
    }

    [Fact]
    public async Task A_file_with_a_value_the_reader_rejects_is_not_rewritten_so_the_value_is_not_lost()
    {
        // Written by hand: a negative budget and a misspelt limit. The model cannot hold them, so a rewrite would drop them.
        File.WriteAllText(_p.YamlPath, File.ReadAllText(_p.YamlPath).Replace("    max_programs: 6\n", "    max_programs: -6\n    max_call: 3\n"));
        var before = File.ReadAllText(_p.YamlPath);
        var model = await _p.LoadAsync();
        var variables = model["variables"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!["value"]?.GetValue<string>());
        variables["budget.max_programs"].Should().BeNull("the reader rejected -6");
        var messages = await MessagesAsync(await SaveAsync(AsStudioPosts(model, v => Set(v, "seed", "2"))));
        messages.Should().Contain(m => m.StartsWith("quickstart.yaml:17:") && m.Contains("'-6' is not a whole number >= 1") && m.Contains("fix it in the file"));
        messages.Should().Contain(m => m.StartsWith("quickstart.yaml:18:") && m.Contains("unknown field 'max_call'"));
        File.ReadAllText(_p.YamlPath).Should().Be(before);

        // Fixed in the file, the same edit saves.
        File.WriteAllText(_p.YamlPath, before.Replace("    max_programs: -6\n    max_call: 3\n", "    max_programs: 6\n"));
        (await SaveAsync(AsStudioPosts(await _p.LoadAsync(), v => Set(v, "seed", "2")))).StatusCode.Should().Be(HttpStatusCode.OK);
        File.ReadAllText(_p.YamlPath).Should().Contain("  seed: 2\n");
    }
}
