using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Seidr.Workflows.Activities.Stages;
using Seidr.Workflows.Catalog;

namespace Seidr.Workflows.Activities.Tests;

/// <summary>
/// An activity's inputs and outcomes are described twice: the [Input]/[Outcome] Description that the designer,
/// <c>seidr activities</c> and the schemas show, and the XML comment that the IDE shows. The two must say the same.
/// </summary>
public partial class ActivityDocsTests
{
    [Fact]
    public void Each_input_and_outcome_comment_is_its_catalog_description()
    {
        var assembly = typeof(Draft).Assembly;
        var file = Path.ChangeExtension(assembly.Location, ".xml");
        File.Exists(file).Should().BeTrue($"the build writes {file} (GenerateDocumentationFile)");
        var summaries = XDocument.Load(file).Descendants("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => Normalize(m.Element("summary")?.Value ?? ""));

        var members = new List<(string Id, string Description)>();
        foreach (var type in assembly.GetExportedTypes().Where(t => t.GetCustomAttribute<ActivityAttribute>() is not null))
        {
            var before = members.Count;
            // Declared here only: the inherited enabled input is Core's, documented there.
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                if (p.GetCustomAttribute<InputAttribute>() is { } input) members.Add(($"P:{type.FullName}.{p.Name}", input.Description ?? ""));
            foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                if (f.GetCustomAttribute<OutcomeAttribute>() is { } outcome) members.Add(($"F:{type.FullName}.{f.Name}", outcome.Description ?? ""));
            members.Count.Should().BeGreaterThan(before, $"{type.Name} declares inputs or outcomes");
        }

        members.Should().HaveCountGreaterThan(50, "every stage's inputs and outcomes are checked");
        var differing = members
            .Where(m => !summaries.TryGetValue(m.Id, out var summary) || summary != Normalize(m.Description))
            .Select(m => $"{m.Id}: the <summary> should read \"{m.Description}\", as its Description")
            .ToList();
        differing.Should().BeEmpty();
    }

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
