using System.Reflection;
using System.Text;
using Seidr.Workflows.Catalog;

namespace Seidr.Workflows.Core.Tests;

/// <summary>
/// One snake_case converter (SnakeCase, behind Naming.ToSnakeCase) replaced three. The run store's and the prompt
/// templates' own rules are kept here, as they were, to show where the rules differ and that no name in use is spelled
/// differently by the shared one.
/// </summary>
public class SnakeCaseTests
{
    [Theory]
    [InlineData("BeamWidth", "beam_width")]
    [InlineData("beamWidth", "beam_width")]
    [InlineData("Id", "id")]
    [InlineData("Pass1At", "pass1_at")]
    [InlineData("HTTPStatus", "http_status")]
    [InlineData("LatencyMs", "latency_ms")]
    [InlineData("keep-parents", "keep_parents")]
    [InlineData("entry_point", "entry_point")]
    [InlineData("", "")]
    public void The_rule(string name, string snake)
    {
        Naming.ToSnakeCase(name).Should().Be(snake);
        SnakeCase.From(name).Should().Be(snake);
    }

    // Where the merged rules differ: none of these spellings is a name in use (see the tests below).
    [Theory]
    [InlineData("HTTPStatus", "http_status", "h_t_t_p_status", "http_status")]   // an acronym: the store split every letter
    [InlineData("A1B", "a1_b", "a1_b", "a1b")]                                   // upper after a digit, at the end: the templates joined it
    [InlineData("Foo_Bar", "foo_bar", "foo__bar", "foo__bar")]                   // upper after an underscore: both doubled it
    [InlineData("foo-bar", "foo_bar", "foo-bar", "foo-bar")]                     // a hyphen: only the shared rule turns it into an underscore
    public void Where_the_old_rules_differed(string name, string shared, string store, string templates)
    {
        Naming.ToSnakeCase(name).Should().Be(shared);
        OldStoreRule(name).Should().Be(store);
        OldTemplateRule(name).Should().Be(templates);
    }

    [Fact]
    public void Every_property_name_of_the_engines_types_is_spelled_as_each_old_rule_spelled_it()
    {
        // The names the converters are given: C# property names (the store's row classes, the objects a template is
        // given) are PascalCase words and digits, where all three rules agree.
        var names = new[] { typeof(Naming).Assembly, typeof(Problems.Problem).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(p => p.Name)
            .Where(n => !n.Contains('.', StringComparison.Ordinal) && !n.Contains('<', StringComparison.Ordinal)) // explicit implementations, compiler-made
            .Distinct(StringComparer.Ordinal).ToList();
        names.Should().HaveCountGreaterThan(200);
        var acronyms = names.Where(n => n.Zip(n.Skip(1)).Any(p => char.IsUpper(p.First) && char.IsUpper(p.Second))).ToList();
        foreach (var name in names.Except(acronyms))
        {
            Naming.ToSnakeCase(name).Should().Be(OldStoreRule(name), name);
            Naming.ToSnakeCase(name).Should().Be(OldTemplateRule(name), name);
        }
        // Acronyms (a name like "IDs", or a property of a framework base class) only ever reached the shared rule and
        // the templates' one, which agree on them.
        foreach (var name in acronyms) Naming.ToSnakeCase(name).Should().Be(OldTemplateRule(name), name);
    }

    [Theory]
    [InlineData("test_prompt")]
    [InlineData("prompt_with_examples")]
    [InlineData("entry_point")]
    [InlineData("language_name")]
    [InlineData("test_results")]
    public void Template_keys_already_in_snake_case_stay_as_they_are(string key)
    {
        Naming.ToSnakeCase(key).Should().Be(key);
        OldTemplateRule(key).Should().Be(key);
    }

    /// <summary>Persistence's RunStoreContext.SnakeCase before the merge.</summary>
    private static string OldStoreRule(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }

    /// <summary>Models' PromptTemplate.SnakeCase (the templates' snake_case aliases) before the merge.</summary>
    private static string OldTemplateRule(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
