using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Core.Tests.Support;

public static class TestCatalog
{
    /// <summary>The engine's activities and this folder's (the malformed ones of CatalogTests live in another namespace).</summary>
    public static ActivityCatalog Instance { get; } = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly)
        .With(typeof(Emit).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Emit).Namespace && t.IsClass && !t.IsAbstract && t.IsDefined(typeof(ActivityAttribute), false))
            .Select(ActivityCatalog.Describe));

    public static IReadOnlyList<Problem> Problems(int n) =>
        Enumerable.Range(0, n).Select(i => new Problem { Id = $"P{i}", Dataset = "test", Prompt = $"problem {i}" }).ToArray();

    public static Definitions.WorkflowDefinition Parse(string yaml)
    {
        var loaded = YamlWorkflowFormat.Read(yaml, "test.yaml");
        return loaded.RequireDefinition();
    }

    public static RunOptions Options(int problems = 3, params IRunObserver[] observers) => new()
    {
        Catalog = Instance,
        Problems = Problems(problems),
        Observers = [.. observers],
    };
}
