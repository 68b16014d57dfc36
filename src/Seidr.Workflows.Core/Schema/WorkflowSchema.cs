using System.Text.Json.Nodes;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Schema;

/// <summary>
/// JSON Schemas (draft-07, what editors and validators support best) for the two spellings of a workflow, generated from the activity catalog, so that
/// editors complete and check activity types and inputs. The repository ships them under <c>schemas/</c>.
/// </summary>
public static class WorkflowSchema
{
    private const string AxisPattern = @"\$\{[A-Za-z_][A-Za-z0-9_\-]*\}";

    /// <summary>The schema of YAML workflow files, as <c>seidr schema --for yaml</c> writes it.</summary>
    public static string ForYaml(ActivityCatalog catalog) => Write(YamlSchema(catalog));

    /// <summary>The schema of Elsa JSON workflow files, as <c>seidr schema --for json</c> writes it.</summary>
    public static string ForJson(ActivityCatalog catalog) => Write(JsonSchema(catalog));

    private static string Write(JsonObject schema) => schema.ToJsonString(ElsaJsonFormat.WriteOptions).Replace("\r\n", "\n") + "\n";

    internal static JsonObject YamlSchema(ActivityCatalog catalog)
    {
        var descriptors = catalog.Descriptors.OrderBy(d => d.TypeName, StringComparer.Ordinal).ToList();
        var defs = new JsonObject
        {
            ["experiment"] = Experiment(snake: true),
            ["connection"] = new JsonObject
            {
                ["oneOf"] = new JsonArray(
                    new JsonObject { ["type"] = "string", ["pattern"] = @"^\s*[A-Za-z_][\w\-]*(\.[A-Za-z_]\w*)?\s*->\s*[A-Za-z_][\w\-]*(\.[A-Za-z_]\w*)?\s*$", ["description"] = "source.Port -> target, e.g. draft.Done -> execute" },
                    new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("from", "to"),
                        ["additionalProperties"] = false,
                        ["properties"] = new JsonObject { ["from"] = Str("source.Port"), ["to"] = Str("target"), ["vertices"] = new JsonObject { ["type"] = "array", ["items"] = Point() } },
                    }),
            },
            // One alternative per activity type, told apart by `type`, so each type's inputs are checked.
            ["activity"] = new JsonObject
            {
                ["oneOf"] = new JsonArray(descriptors.Select(d => (JsonNode)new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("id", "type"),
                    ["additionalProperties"] = false,
                    ["properties"] = new JsonObject
                    {
                        ["id"] = Str("Activity id, unique in the workflow; connections use it."),
                        ["type"] = new JsonObject { ["enum"] = new JsonArray((JsonNode)d.TypeName), ["description"] = $"{d.DisplayName}: {d.Description}" },
                        ["name"] = Str("Display name in the designer."),
                        ["version"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                        ["node_id"] = Str("Elsa nodeId when it differs from {definitionId}:{rootId}:{id}."),
                        ["inputs"] = new JsonObject { ["$ref"] = $"#/definitions/inputs.{d.TypeName}" },
                        ["position"] = Point(),
                        ["metadata"] = new JsonObject { ["type"] = "object" },
                        ["custom"] = new JsonObject { ["type"] = "object" },
                    },
                }).Append(new JsonObject
                {
                    // The short form of a workflow used as an activity: 'workflow' names the file's id; its inputs are the ones it declares.
                    ["type"] = "object",
                    ["required"] = new JsonArray("id", "workflow"),
                    ["additionalProperties"] = false,
                    ["properties"] = new JsonObject
                    {
                        ["id"] = Str("Activity id, unique in the workflow; connections use it."),
                        ["workflow"] = Str("Id of a workflow usable as an activity (usable_as_activity: true), found in this workflow's folder."),
                        ["name"] = Str("Display name in the designer."),
                        ["version"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                        ["node_id"] = Str("Elsa nodeId when it differs from {definitionId}:{rootId}:{id}."),
                        ["inputs"] = new JsonObject { ["type"] = "object", ["description"] = "Values of the inputs the workflow declares." },
                        ["position"] = Point(),
                        ["metadata"] = new JsonObject { ["type"] = "object" },
                        ["custom"] = new JsonObject { ["type"] = "object" },
                    },
                }).ToArray()),
            },
        };
        foreach (var d in descriptors)
        {
            var props = new JsonObject();
            foreach (var i in d.Inputs) props[i.YamlName] = InputValueSchema(i);
            var inputs = new JsonObject { ["type"] = "object", ["description"] = $"Inputs of {d.TypeName}: {d.Description}", ["additionalProperties"] = false, ["properties"] = props };
            var required = d.Inputs.Where(i => i.Required).Select(i => (JsonNode)i.YamlName).ToArray();
            if (required.Length > 0) inputs["required"] = new JsonArray(required);
            defs[$"inputs.{d.TypeName}"] = inputs;
        }
        return new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["$id"] = "https://github.com/seidr-workflows/schemas/workflow.yaml.schema.json",
            ["title"] = "Seidr.Workflows workflow (YAML spelling)",
            ["type"] = "object",
            ["required"] = new JsonArray("id", "activities", "connections"),
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject
            {
                ["id"] = Str("The workflow's definition id."),
                ["version_id"] = Str("Elsa's version id when it is not {id}:v{version}."),
                ["name"] = Str("Display name."),
                ["description"] = Str("What the experiment is for."),
                ["version"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                ["root_id"] = Str("Id of the Elsa flowchart root (default flowchart1)."),
                ["usable_as_activity"] = new JsonObject { ["type"] = "boolean", ["description"] = "Elsa's 'Usable as activity': other workflows may use this one as a node ('workflow: <id>')." },
                ["inputs"] = new JsonObject
                {
                    ["description"] = "Inputs of this workflow's node when used as an activity: name -> description; its activities read them as ${name}.",
                    ["oneOf"] = new JsonArray(
                        new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = new JsonArray("string", "null") } },
                        new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } }),
                },
                ["outcomes"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["description"] = "Ports of this workflow's node when used as an activity; Seidr.Complete activities emit on them." },
                ["experiment"] = new JsonObject { ["$ref"] = "#/definitions/experiment" },
                ["activities"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = "#/definitions/activity" } },
                ["connections"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = "#/definitions/connection" } },
                ["elsa"] = new JsonObject { ["type"] = "object", ["description"] = "Elsa fields this tool does not interpret, kept for round trips." },
            },
            ["definitions"] = defs,
        };
    }

    internal static JsonObject JsonSchema(ActivityCatalog catalog)
    {
        var descriptors = catalog.Descriptors.OrderBy(d => d.TypeName, StringComparer.Ordinal).ToList();
        var defs = new JsonObject
        {
            ["experiment"] = Experiment(snake: false),
            ["input"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["typeName"] = Str("Elsa type name."),
                    ["expression"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("type"),
                        ["properties"] = new JsonObject { ["type"] = new JsonObject { ["enum"] = new JsonArray("Literal", "Object") }, ["value"] = new JsonObject() },
                    },
                    ["memoryReference"] = new JsonObject { ["type"] = new JsonArray("object", "null") },
                },
            },
            ["connection"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("source", "target"),
                ["properties"] = new JsonObject { ["source"] = Endpoint(), ["target"] = Endpoint(), ["vertices"] = new JsonObject { ["type"] = "array" } },
            },
            ["activity"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("id", "type"),
                ["properties"] = new JsonObject
                {
                    ["id"] = Str("Activity id."),
                    ["nodeId"] = Str("{definitionId}:{rootId}:{id}"),
                    ["name"] = Str("Display name."),
                    ["type"] = Str("An activity type of the catalog, or the type of a workflow used as an activity (with workflowDefinitionId)."),
                    ["workflowDefinitionId"] = Str("Elsa: the definition id of the workflow this node runs (a workflow used as an activity)."),
                    ["workflowDefinitionVersionId"] = Str("Elsa: the version id of that workflow."),
                    ["latestAvailablePublishedVersion"] = new JsonObject { ["type"] = "integer" },
                    ["latestAvailablePublishedVersionId"] = Str("Elsa: the version id of its latest published version."),
                    ["version"] = new JsonObject { ["type"] = "integer" },
                    ["customProperties"] = new JsonObject { ["type"] = "object" },
                    ["metadata"] = new JsonObject { ["type"] = "object" },
                },
                // Without workflowDefinitionId the type must be one of the catalog's.
                ["if"] = new JsonObject { ["not"] = new JsonObject { ["required"] = new JsonArray("workflowDefinitionId") } },
                ["then"] = new JsonObject { ["properties"] = new JsonObject { ["type"] = new JsonObject { ["enum"] = new JsonArray(descriptors.Select(d => (JsonNode)d.TypeName).ToArray()) } } },
                ["allOf"] = new JsonArray(descriptors.Select(d =>
                {
                    var props = new JsonObject();
                    foreach (var i in d.Inputs) props[i.Name] = new JsonObject { ["$ref"] = "#/definitions/input", ["description"] = i.Description };
                    return (JsonNode)new JsonObject
                    {
                        ["if"] = new JsonObject { ["properties"] = new JsonObject { ["type"] = new JsonObject { ["const"] = d.TypeName } }, ["required"] = new JsonArray("type") },
                        ["then"] = new JsonObject { ["properties"] = props },
                    };
                }).ToArray()),
            },
        };
        return new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["$id"] = "https://github.com/seidr-workflows/schemas/workflow.json.schema.json",
            ["title"] = "Seidr.Workflows workflow (Elsa 3 workflow definition JSON)",
            ["type"] = "object",
            ["required"] = new JsonArray("definitionId", "root"),
            ["properties"] = new JsonObject
            {
                ["id"] = Str("Version id."),
                ["definitionId"] = Str("Definition id."),
                ["name"] = Str("Display name."),
                ["description"] = Str("Description."),
                ["version"] = new JsonObject { ["type"] = "integer" },
                ["outcomes"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                ["inputs"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["required"] = new JsonArray("name") } },
                ["options"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["usableAsActivity"] = new JsonObject { ["type"] = new JsonArray("boolean", "null") } } },
                ["customProperties"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { [ElsaJsonFormat.ExperimentProperty] = new JsonObject { ["$ref"] = "#/definitions/experiment" } } },
                ["root"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("type", "activities", "connections"),
                    ["properties"] = new JsonObject
                    {
                        ["type"] = new JsonObject { ["const"] = ElsaJsonFormat.FlowchartType },
                        ["activities"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = "#/definitions/activity" } },
                        ["connections"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["$ref"] = "#/definitions/connection" } },
                    },
                },
            },
            ["definitions"] = defs,
        };
    }

    private static JsonObject InputValueSchema(InputDescriptor i)
    {
        JsonObject typed = i.TypeName switch
        {
            "Int32" or "Int64" => new JsonObject { ["type"] = "integer" },
            "Double" => new JsonObject { ["type"] = "number" },
            "Boolean" => new JsonObject { ["type"] = "boolean" },
            "String" when !i.Options.IsEmpty => new JsonObject { ["enum"] = new JsonArray(i.Options.Select(o => (JsonNode)o).ToArray()) },
            "String" => new JsonObject { ["type"] = "string" },
            "String[]" => new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
            _ => new JsonObject(),
        };
        if (!double.IsNaN(i.Min) && i.TypeName is "Int32" or "Int64" or "Double") typed["minimum"] = i.Min;
        var schema = new JsonObject
        {
            ["description"] = i.Description + (i.Required ? " (required)" : ""),
            ["anyOf"] = new JsonArray(typed, new JsonObject { ["type"] = "string", ["pattern"] = AxisPattern, ["description"] = "A matrix axis, replaced per variant" }),
        };
        if (i.DefaultValue is not null) schema["default"] = i.DefaultValue.DeepClone();
        return schema;
    }

    private static JsonObject Experiment(bool snake)
    {
        string N(string snakeName, string camel) => snake ? snakeName : camel;
        var budget = new JsonObject
        {
            [N("max_programs", "maxPrograms")] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Programs per problem and variant." },
            ["calls"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Model calls per problem and variant." },
            ["tokens"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Tokens in and out per problem and variant." },
            ["time"] = Str("Wall time per problem and variant: 90s, 10m, 1h30m."),
            ["cost"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["description"] = "Model cost per problem and variant, in the currency of the models' prices." },
        };
        var runBudget = new JsonObject
        {
            ["cost"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["description"] = "Model cost of the whole run; no call starts once it could pass it." },
            ["calls"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Model calls of the whole run." },
            ["tokens"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Tokens in and out of the whole run." },
        };
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["dataset"] = Str("humaneval, humaneval-no-examples, mbpp, gsm8k, or a path to a problem file (YAML, HumanEval or CodeContests JSON lines, a PSB2 folder)."),
                ["plugins"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 },
                    ["description"] = "Class libraries (.dll, relative to the workflow) whose activities the workflow can use, besides seidr's own and those in the plugins/ folder beside the seidr tool.",
                },
                ["language"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("python", "cpp"), ["description"] = "The language programs are written in, for every problem (default: the problem file's, else python). A matrix axis named language sets it per variant." },
                ["split"] = new JsonObject
                {
                    ["type"] = "object",
                    ["additionalProperties"] = false,
                    ["description"] = "PSB2 cases: train (visible) and test (hidden) drawn with a seed, as the PSB2 paper's protocol (train: {edge: all, random: 200}, test: {random: 2000}).",
                    ["properties"] = new JsonObject
                    {
                        ["seed"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["description"] = "Seed of the draw (default: the experiment's seed)." },
                        ["train"] = new JsonObject
                        {
                            ["type"] = "object", ["additionalProperties"] = false,
                            ["properties"] = new JsonObject { ["edge"] = CountOrAll("Edge cases in the train set (all, or a number drawn)."), ["random"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["description"] = "Random cases in the train set." } },
                        },
                        ["test"] = new JsonObject
                        {
                            ["type"] = "object", ["additionalProperties"] = false,
                            ["properties"] = new JsonObject { ["random"] = CountOrAll("Random cases in the test set (all: every case not drawn for training).") },
                        },
                    },
                },
                ["problems"] = Str("all, 0-19, ids, random:20:seed=7."),
                ["seed"] = new JsonObject { ["type"] = "integer" },
                ["concurrency"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                ["k"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 }, ["description"] = "k values reported as pass@k." },
                ["models"] = new JsonObject
                {
                    ["type"] = "object",
                    ["additionalProperties"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("provider"),
                        ["properties"] = new JsonObject
                        {
                            ["provider"] = new JsonObject { ["type"] = "string", ["description"] = "openai, azure-openai, openai-compatible, ollama, replay, scripted (or a provider named in appsettings)." },
                            ["tokenizer"] = new JsonObject
                            {
                                ["enum"] = new JsonArray("o200k_base", "cl100k_base", "gpt2"),
                                ["description"] = "Counts tokens where the server reports none (replay, scripted, estimates before a call). Default: implied by the model id (gpt-4o, gpt-4.1, gpt-5, o-series: o200k_base; gpt-4, gpt-3.5: cl100k_base; CodeGen, GPT-2: gpt2), else cl100k_base.",
                            },
                            ["prices"] = new JsonObject
                            {
                                ["type"] = "object",
                                ["additionalProperties"] = false,
                                ["description"] = "Prices per million tokens; default: the Seidr:Pricing entry of the model id, else free.",
                                ["properties"] = new JsonObject
                                {
                                    ["input_per_million"] = new JsonObject { ["type"] = "number", ["minimum"] = 0 },
                                    ["output_per_million"] = new JsonObject { ["type"] = "number", ["minimum"] = 0 },
                                    ["as"] = new JsonObject { ["type"] = "string", ["description"] = "Charge this model's tokens at the prices of this Seidr:Pricing entry (e.g. a replayed pool priced as if gpt-4o-mini had written it); numbers beside it override the entry's." },
                                },
                            },
                        },
                    },
                },
                ["matrix"] = new JsonObject
                {
                    ["type"] = "object",
                    ["description"] = "Variant axes: axis -> list of values; exclude/include lists of axis -> value.",
                    ["properties"] = new JsonObject
                    {
                        ["exclude"] = new JsonObject { ["type"] = "array" },
                        ["include"] = new JsonObject { ["type"] = "array" },
                        ["language"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("python", "cpp") }, ["minItems"] = 1, ["description"] = "The language of each variant's programs." },
                    },
                    ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = new JsonArray("string", "number", "boolean") }, ["minItems"] = 1 },
                },
                ["budget"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = false, ["properties"] = budget },
                [N("run_budget", "runBudget")] = new JsonObject { ["type"] = "object", ["additionalProperties"] = false, ["properties"] = runBudget },
                [N("allow_failed_samples", "allowFailedSamples")] = new JsonObject { ["type"] = "boolean", ["description"] = "A run whose model calls lost samples after their retries still succeeds (default false: it exits 2 and --resume runs those flows again)." },
            },
        };
    }

    private static JsonObject CountOrAll(string description) => new()
    {
        ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "integer", ["minimum"] = 0 }, new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("all") }),
        ["description"] = description,
    };

    private static JsonObject Str(string description) => new() { ["type"] = "string", ["description"] = description };
    private static JsonObject Point() => new() { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number" }, ["minItems"] = 2, ["maxItems"] = 2 };
    private static JsonObject Endpoint() => new() { ["type"] = "object", ["required"] = new JsonArray("activity"), ["properties"] = new JsonObject { ["activity"] = Str("Activity id."), ["port"] = Str("Outcome (source) or In (target).") } };
}
