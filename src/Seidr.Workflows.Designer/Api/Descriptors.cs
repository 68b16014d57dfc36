using System.Text.Json.Nodes;
using Seidr.Workflows.Catalog;

namespace Seidr.Workflows.Designer.Api;

/// <summary>Elsa 3 activity descriptors (server model <c>ActivityDescriptor</c>) for our catalog, plus the root <c>Elsa.Flowchart</c>.</summary>
internal static class Descriptors
{
    public static JsonArray Activities(ActivityCatalog catalog, IEnumerable<Definitions.WorkflowDefinition>? workflows = null)
    {
        var items = new JsonArray { Flowchart() };
        foreach (var d in catalog.Descriptors.OrderBy(d => d.TypeName, StringComparer.Ordinal)) items.Add(Activity(d));
        foreach (var w in (workflows ?? []).Where(w => w.UsableAsActivity).OrderBy(w => w.DefinitionId, StringComparer.Ordinal)) items.Add(Workflow(w));
        return items;
    }

    /// <summary>
    /// The palette entry of a workflow usable as an activity, as Elsa's WorkflowDefinitionActivityDescriptorFactory makes it:
    /// the type is the pascalized id, ports are its outcomes, inputs its declared inputs, and the construction
    /// properties put Elsa's workflowDefinitionId / workflowDefinitionVersionId on a node dropped from the palette.
    /// </summary>
    public static JsonObject Workflow(Definitions.WorkflowDefinition w)
    {
        var type = Definitions.WorkflowReference.TypeNameOf(w.DefinitionId);
        return new JsonObject
        {
            ["typeName"] = type,
            ["namespace"] = null,
            ["name"] = type,
            ["version"] = w.Version,
            ["category"] = "Workflows",
            ["displayName"] = w.Name ?? w.DefinitionId,
            ["description"] = w.Description ?? "",
            ["kind"] = "Action",
            ["runAsynchronously"] = false,
            ["isContainer"] = false,
            ["isBrowsable"] = true,
            ["isStart"] = false,
            ["isTerminal"] = false,
            ["customProperties"] = new JsonObject
            {
                ["RootType"] = "WorkflowDefinitionActivity",
                ["WorkflowDefinitionId"] = w.DefinitionId,
                ["WorkflowDefinitionVersionId"] = w.EffectiveVersionId,
            },
            ["constructionProperties"] = new JsonObject
            {
                ["WorkflowDefinitionId"] = w.DefinitionId,
                ["WorkflowDefinitionVersionId"] = w.EffectiveVersionId,
                ["LatestAvailablePublishedVersion"] = w.Version,
                ["LatestAvailablePublishedVersionId"] = w.EffectiveVersionId,
            },
            ["ports"] = new JsonArray(w.Outcomes.Select(o => (JsonNode)new JsonObject { ["name"] = o, ["displayName"] = o, ["type"] = "Flow", ["isBrowsable"] = true }).ToArray()),
            ["inputs"] = new JsonArray(w.Inputs.Select((i, index) => (JsonNode)new JsonObject
            {
                ["name"] = i.Name,
                ["typeName"] = "String",
                ["displayName"] = i.Name,
                ["description"] = i.Description ?? "",
                ["order"] = index,
                ["isBrowsable"] = true,
                ["isSerializable"] = true,
                ["isSynthetic"] = true,
                ["isWrapped"] = true,
                ["uiHint"] = UIHints.SingleLine,
                ["category"] = null,
                ["defaultValue"] = null,
                ["defaultSyntax"] = "Literal",
                ["isReadOnly"] = false,
                ["isSensitive"] = false,
                ["storageDriverType"] = null,
                ["uiSpecifications"] = null,
            }).ToArray()),
            ["outputs"] = new JsonArray(),
        };
    }

    public static JsonObject Flowchart() => new()
    {
        ["typeName"] = "Elsa.Flowchart",
        ["namespace"] = "Elsa",
        ["name"] = "Flowchart",
        ["version"] = 1,
        ["category"] = "Flow",
        ["displayName"] = "Flowchart",
        ["description"] = "The workflow's flowchart.",
        ["kind"] = "Action",
        ["runAsynchronously"] = false,
        ["isContainer"] = true,
        ["isBrowsable"] = false,
        ["isStart"] = false,
        ["isTerminal"] = false,
        ["customProperties"] = new JsonObject(),
        ["constructionProperties"] = new JsonObject(),
        ["ports"] = new JsonArray { new JsonObject { ["name"] = "Start", ["displayName"] = "Start", ["type"] = "Embedded", ["isBrowsable"] = false } },
        ["inputs"] = new JsonArray(),
        ["outputs"] = new JsonArray(),
    };

    public static JsonObject Activity(ActivityDescriptor d) => new()
    {
        ["typeName"] = d.TypeName,
        ["namespace"] = d.Namespace,
        ["name"] = d.Name,
        ["version"] = d.Version,
        ["category"] = d.Category,
        ["displayName"] = d.DisplayName,
        ["description"] = d.Description,
        ["kind"] = "Action",
        ["runAsynchronously"] = false,
        ["isContainer"] = false,
        ["isBrowsable"] = true,
        ["isStart"] = false,
        ["isTerminal"] = false,
        ["customProperties"] = new JsonObject { ["spends"] = d.Spends },
        ["constructionProperties"] = new JsonObject(),
        ["ports"] = new JsonArray(d.Outcomes.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = o.Name,
            ["displayName"] = o.Name,
            ["type"] = "Flow",
            ["isBrowsable"] = true,
        }).ToArray()),
        ["inputs"] = new JsonArray(d.Inputs.Select((i, index) => (JsonNode)Input(i, index)).ToArray()),
        ["outputs"] = new JsonArray(),
    };

    private static JsonObject Input(InputDescriptor i, int index) => new()
    {
        // Elsa names inputs by the CLR property (PascalCase); Studio camelizes it to find the activity's JSON property.
        ["name"] = i.PropertyName,
        ["typeName"] = i.TypeName,
        ["displayName"] = i.DisplayName,
        ["description"] = i.Required && i.Description.Length > 0 ? $"{i.Description} (required)" : i.Required ? "Required." : i.Description,
        ["order"] = i.Order * 1000 + index,
        ["isBrowsable"] = true,
        ["isSerializable"] = true,
        ["isSynthetic"] = false,
        ["isWrapped"] = true,
        ["uiHint"] = i.UIHint,
        ["category"] = null,
        ["defaultValue"] = i.DefaultValue?.DeepClone(),
        ["defaultSyntax"] = "Literal",
        ["isReadOnly"] = false,
        ["isSensitive"] = false,
        ["storageDriverType"] = null,
        ["uiSpecifications"] = i.Options.IsEmpty ? null : new JsonObject
        {
            [UIHints.Dropdown] = new JsonObject
            {
                ["selectList"] = new JsonObject
                {
                    ["items"] = new JsonArray(i.Options.Select(o => (JsonNode)new JsonObject { ["text"] = o, ["value"] = o }).ToArray()),
                    ["isFlagsEnum"] = false,
                },
            },
        },
    };

    public static JsonArray Expressions() =>
    [
        Expression("Literal", "Literal", ""),
        Expression("Object", "Object", "json"),
        Expression("Json", "Json", "json"),
    ];

    private static JsonObject Expression(string type, string display, string monaco) => new()
    {
        ["type"] = type,
        ["displayName"] = display,
        ["isSerializable"] = true,
        ["isBrowsable"] = false,
        ["properties"] = monaco.Length > 0 ? new JsonObject { ["MonacoLanguage"] = monaco } : new JsonObject(),
    };

    /// <summary>The types of the experiment's variables (String first: Studio gives a new variable the first type).</summary>
    public static JsonArray VariableTypes() =>
        new(ExperimentVariables.Types.Select(t => (JsonNode)new JsonObject { ["typeName"] = t, ["displayName"] = t, ["category"] = "Primitives", ["description"] = null }).ToArray());

    public static JsonArray StorageDrivers() =>
    [
        new JsonObject { ["typeName"] = ExperimentVariables.StorageDriver, ["displayName"] = "Memory", ["priority"] = 0, ["deprecated"] = false },
    ];
}
