using System.IO.Compression;
using System.Text.Json;
using Seidr.Workflows.Models.Prompts;
using Seidr.Workflows.Models.Tests.Support;

namespace Seidr.Workflows.Models.Tests;

public sealed class PromptTests
{
    internal static IEnumerable<JsonElement> ReadJsonLines(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var list = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
            if (!string.IsNullOrWhiteSpace(line)) list.Add(JsonDocument.Parse(line).RootElement.Clone());
        return list;
    }

    [Fact]
    public void Output_is_verbatim_no_html_escaping_no_trimming()
    {
        var t = PromptTemplate.Parse("t", "user: \"{{ text }}\"\n");
        var text = "def f(a, b):\n    \"\"\" a < b && b > 'c' \"\"\"\n\n\n";
        t.Render(("text", text)).UserText.Should().Be(text);
    }

    [Fact]
    public void Values_are_not_parsed_as_templates_and_braces_can_be_escaped()
    {
        var t = PromptTemplate.Parse("t", "user: \"\\\\{{literal}} {{x}}\"");
        t.RequiredVariables.Should().Equal("x");
        t.Render(("x", "{{y}} f'{a}'")).UserText.Should().Be("{{literal}} {{y}} f'{a}'");
    }

    [Fact]
    public void Block_scalars_keep_their_layout()
    {
        var yaml = "system: |\n  Be exact.\nuser: |\n  Program:\n  {{ program }}\n  End.\n";
        var r = PromptTemplate.Parse("t", yaml).Render(("program", "x = 1\ny = 2"));
        r.SystemText.Should().Be("Be exact.\n");
        r.UserText.Should().Be("Program:\nx = 1\ny = 2\nEnd.\n");
        r.Messages.Select(m => m.Role).Should().Equal(MessageRole.System, MessageRole.User);
    }

    [Fact]
    public void Required_variables_are_derived_from_the_template()
    {
        var yaml = """
            user: |
              {{!-- a comment with {{ ignored }} --}}{{ problem.prompt }} {{lookup problem "id"}}
              {{#each tests}}{{input}} -> {{this.expected}} {{@index}} {{@root.header}} {{../footer}}{{/each}}
              {{#if explanation}}{{explanation}}{{else if hint}}{{hint}}{{/if}}
              {{#with program as |p|}}{{p.text}}{{/with}}
            variables:
              explanation: {required: false}
              hint: {required: false}
            """;
        var t = PromptTemplate.Parse("t", yaml);
        t.RequiredVariables.Should().Equal("footer", "header", "problem.prompt", "program", "tests");
        t.OptionalVariables.Should().Equal("explanation", "hint");
    }

    [Fact]
    public void Missing_variables_throw_listing_every_name()
    {
        var t = PromptTemplate.Parse("explain", "user: \"{{ problem.prompt }} {{ program }} {{ test_results }}\"");
        var act = () => t.Render(("program", "x"));
        act.Should().Throw<PromptVariablesMissingException>()
            .Where(e => e.PromptName == "explain" && e.Missing.SequenceEqual(new[] { "problem.prompt", "test_results" }))
            .WithMessage("*problem.prompt*test_results*");
        t.FindMissing(new Dictionary<string, object?> { ["program"] = "x" }).Should().Equal("problem.prompt", "test_results");
    }

    [Fact]
    public void Null_value_counts_as_missing_and_a_missing_member_too()
    {
        var t = PromptTemplate.Parse("t", "user: \"{{ problem.prompt }}\"");
        t.Invoking(x => x.Render(("problem.prompt", null))).Should().Throw<PromptVariablesMissingException>();
        t.Invoking(x => x.Render(("problem", new Dictionary<string, object?> { ["id"] = "x" }))).Should().Throw<PromptVariablesMissingException>();
    }

    [Fact]
    public void Optional_variables_may_be_left_out()
    {
        var t = PromptTemplate.Parse("t", """
            variables:
              lexicon: {required: false}
            user: "A{{#if lexicon}} [{{lexicon}}]{{/if}} {{x}}"
            """);
        t.Render(("x", "1")).UserText.Should().Be("A 1");
        t.Render(("x", "1"), ("lexicon", "L")).UserText.Should().Be("A [L] 1");
    }

    [Fact]
    public void Variables_can_be_objects_dictionaries_or_dotted_keys()
    {
        var t = PromptTemplate.Parse("t", "user: \"{{ problem.prompt }}|{{ problem.entry_point }}\"");
        t.Render(("problem.prompt", "P"), ("problem.entry_point", "f")).UserText.Should().Be("P|f");
        t.Render(("problem", new Dictionary<string, object?> { ["prompt"] = "P", ["entry_point"] = "f" })).UserText.Should().Be("P|f");
        t.Render(("problem", new { prompt = "P", entry_point = "f" })).UserText.Should().Be("P|f");
    }

    [Fact]
    public void Syntax_errors_name_the_prompt()
    {
        var act = () => PromptTemplate.Parse("broken", "user: \"{{#if x}}never closed\"");
        act.Should().Throw<PromptFormatException>().Where(e => e.PromptName == "broken");
        var noUser = () => PromptTemplate.Parse("nouser", "system: hi");
        noUser.Should().Throw<PromptFormatException>().WithMessage("*user*");
    }

    [Fact]
    public void Few_shot_messages_keep_their_order()
    {
        var t = PromptTemplate.Parse("t", """
            system: S
            messages:
              - role: user
                content: "Q1"
              - role: assistant
                content: "A1"
            user: "{{ q }}"
            """);
        t.Render(("q", "Q2")).Messages.Select(m => (m.Role, m.Content)).Should().Equal(
            (MessageRole.System, "S"), (MessageRole.User, "Q1"), (MessageRole.Assistant, "A1"), (MessageRole.User, "Q2"));
    }

    [Fact]
    public void Repository_prompts_all_load_and_declare_their_variables()
    {
        var lib = PromptLibrary.Load(TestEnv.PromptsDir);
        lib.Names.Should().Contain(["humaneval/complete", "humaneval/tests-codet", "draft", "generate-tests", "explain", "repair", "lexicon", "sketch", "gsm8k/solve", "gsm8k/check"]);
        lib["explain"].RequiredVariables.Should().BeEquivalentTo("problem.prompt", "program", "test_results");
        lib["repair"].RequiredVariables.Should().BeEquivalentTo("problem.prompt", "program", "explanation");
        lib["draft"].RequiredVariables.Should().Equal("problem.prompt");
        lib["humaneval/tests-codet"].RequiredVariables.Should().Equal("problem.test_prompt");
        foreach (var name in lib.Names)
        {
            var t = lib[name];
            t.Description.Should().NotBeNullOrWhiteSpace(name);
            var vars = t.RequiredVariables.ToDictionary(v => v, v => (object?)$"<{v}>");
            var r = t.Render(vars);
            r.UserText.Should().NotBeEmpty();
            foreach (var v in t.RequiredVariables) string.Join("\n", r.Messages.Select(m => m.Content)).Should().Contain($"<{v}>", $"{name} uses {v}");
        }
        lib.Invoking(l => l.Get("nope")).Should().Throw<PromptNotFoundException>().WithMessage("*draft*");
    }

    [Fact]
    public void Draft_prompt_includes_optional_parts_only_when_given()
    {
        var lib = PromptLibrary.Load(TestEnv.PromptsDir);
        var plain = lib.Render("draft", new Dictionary<string, object?> { ["problem.prompt"] = "def f():\n" });
        plain.UserText.Should().NotContain("Follow this plan").And.Contain("def f():\n");
        var withSketch = lib.Render("draft", new Dictionary<string, object?> { ["problem.prompt"] = "def f():\n", ["sketch"] = "1. do it" });
        withSketch.UserText.Should().Contain("Follow this plan:\n1. do it");
        var withExamples = lib.Render("draft", new Dictionary<string, object?> { ["problem"] = new Dictionary<string, object?> { ["prompt"] = "def f():\n", ["examples"] = "assert f() == 1", ["description"] = null } });
        withExamples.UserText.Should().Contain("```\n\nIt must pass these examples:\nassert f() == 1\n\nReturn");
        plain.UserText.Should().Contain("```\n\nReturn the whole function");
    }

    [Fact]
    public void HumanEval_complete_and_codet_prompts_render_every_problem_verbatim()
    {
        var lib = PromptLibrary.Load(TestEnv.PromptsDir);
        var problems = ReadJsonLines(TestEnv.HumanEval("HumanEval_no_examples.jsonl.gz")).ToList();
        var testPrompts = ReadJsonLines(TestEnv.HumanEval("HumanEval_test_generation_prompts.jsonl.gz")).ToList();
        problems.Should().HaveCount(164);
        foreach (var p in problems)
        {
            var prompt = p.GetProperty("prompt").GetString()!;
            lib.Render("humaneval/complete", new Dictionary<string, object?> { ["problem.prompt"] = prompt }).UserText.Should().Be(prompt);
        }
        foreach (var p in testPrompts)
        {
            var prompt = p.GetProperty("prompt").GetString()!;
            prompt.Should().EndWith("assert ");
            var rendered = lib.Render("humaneval/tests-codet", new Dictionary<string, object?> { ["problem"] = new Dictionary<string, object?> { ["test_prompt"] = prompt } });
            rendered.UserText.Should().Be(prompt);
            rendered.Messages.Should().ContainSingle();
        }
    }
}
