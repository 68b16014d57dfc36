using Seidr.Workflows.Catalog;
using Seidr.Workflows.Datasets.Problems;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Core.Tests.Support;

public static class TestCatalog
{
    public static ActivityCatalog Instance { get; } = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly, typeof(Emit).Assembly);

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
