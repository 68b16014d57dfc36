using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Definitions;
using Seidr.Workflows.Diagnostics;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Validation;

/// <summary>
/// Checks a loaded workflow against the activity catalog and its references, reporting every problem with its
/// file, line, column and field path: unknown types and inputs, missing or mistyped values, bad connections,
/// activities that can never run, loops with no budget or exit, unknown models and prompts, and a bad matrix.
/// </summary>
public sealed class WorkflowValidator(ActivityCatalog catalog, IWorkflowReferences? references = null)
{
    private readonly IWorkflowReferences _refs = references ?? PermissiveReferences.Instance;

    /// <summary>The reader's diagnostics and the validator's, for the file and the workflows it uses as activities.</summary>
    public ImmutableArray<Diagnostic> Validate(LoadedWorkflow loaded) => Validate(loaded, []);

    private ImmutableArray<Diagnostic> Validate(LoadedWorkflow loaded, ImmutableList<string> chain)
    {
        var diags = loaded.Diagnostics.ToList();
        if (loaded.Definition is null) return [.. diags];
        var def = loaded.Definition;
        var map = loaded.SourceMap;
        void Error(string path, string message) => diags.Add(new Diagnostic(loaded.Path, map.Locate(path), path, message));
        void Warn(string path, string message) => diags.Add(new Diagnostic(loaded.Path, map.Locate(path), path, message, Severity.Warning));

        var variants = CheckMatrix(def, Error, Warn);
        CheckExperiment(def, Error);

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in def.Activities)
            if (!ids.Add(a.Id)) Error(SourceMap.Paths.Activity(a.Id), $"two activities have the id '{a.Id}'");

        chain = chain.Add(def.DefinitionId);
        var children = new Dictionary<string, WorkflowDefinition>(StringComparer.Ordinal);
        foreach (var node in def.Activities)
        {
            if (node.Workflow is { } reference)
            {
                if (CheckWorkflowNode(node, reference, chain, Error) is { } child) children[node.Id] = child;
                continue;
            }
            if (node.Type == Composition.WorkflowComposer.CompleteType) CheckComplete(def, node, Error);
            var descriptor = catalog.Find(node.Type);
            if (descriptor is null)
            {
                if (node.Type.Length > 0)
                    Error(SourceMap.Paths.ActivityType(node.Id), $"unknown activity type '{node.Type}'" + Suggest(node.Type, catalog.Descriptors.Select(d => d.TypeName)));
                continue;
            }
            CheckInputs(def, node, descriptor, variants, Error);
        }

        CheckConnections(def, children, Error);
        CheckGraph(def, Error);
        foreach (var (nodeId, child) in children)
            if (!def.Experiment.Budget.IsBounded && !def.UsableAsActivity && HasLoop(child, []))
                Error(SourceMap.Paths.Activity(nodeId), $"activity '{nodeId}' runs workflow '{child.DefinitionId}', which loops; set experiment.budget (max_programs, calls, tokens, time or cost) so it ends");
        if (!def.UsableAsActivity && !HasSubmit(def, []))
            Error("activities", "the workflow has no Seidr.Submit activity, so no flow would submit a program to be scored");
        return [.. diags.Distinct()];
    }

    /// <summary>A node that runs another workflow: the reference resolves, to a workflow usable as an activity without
    /// errors, and the node sets only inputs that workflow declares. Returns the workflow when it can run.</summary>
    private WorkflowDefinition? CheckWorkflowNode(ActivityNode node, WorkflowReference reference, ImmutableList<string> chain, Action<string, string> error)
    {
        var p = $"{SourceMap.Paths.Activity(node.Id)}.workflow";
        var id = reference.DefinitionId;
        if (chain.Contains(id))
        {
            error(p, $"activity '{node.Id}' uses workflow '{id}', which uses itself ({string.Join(" -> ", chain.Add(id))})");
            return null;
        }
        var found = _refs.FindWorkflow(id);
        if (found is null)
        {
            error(p, $"activity '{node.Id}' uses workflow '{id}' as an activity, but no workflow file in {_refs.WorkflowsSearched} has the id '{id}'"
                + Suggest(id, _refs.WorkflowIds));
            return null;
        }
        if (found.Definition is not { } child) { error(p, $"activity '{node.Id}' uses workflow '{id}' ({found.Path}), which cannot be read"); return null; }
        if (!child.UsableAsActivity)
        {
            error(p, $"activity '{node.Id}' uses workflow '{id}' ({found.Path}), which is not usable as an activity: set 'usable_as_activity: true' in it (Elsa: options.usableAsActivity)");
            return null;
        }
        var childErrors = Validate(found, chain).Where(d => d.Severity == Severity.Error).ToList();
        if (childErrors.Count > 0)
        {
            error(p, $"activity '{node.Id}' uses workflow '{id}', which has {childErrors.Count} error(s); the first: {childErrors[0]}");
            return null;
        }
        foreach (var (name, _) in node.Inputs)
            if (!child.Inputs.Any(i => i.Name == name || Naming.SnakeToCamel(i.Name) == name))
                error(SourceMap.Paths.Input(node.Id, name), $"workflow '{id}' declares no input '{Naming.ToSnakeCase(name)}'"
                    + (child.Inputs.IsEmpty ? " (it declares none)" : $"; its inputs are {string.Join(", ", child.Inputs.Select(i => i.Name))}"));
        return child;
    }

    private void CheckComplete(WorkflowDefinition def, ActivityNode node, Action<string, string> error)
    {
        var p = SourceMap.Paths.Activity(node.Id);
        if (!def.UsableAsActivity)
        {
            error(p, $"activity '{node.Id}' ({Composition.WorkflowComposer.CompleteType}) ends a workflow used as an activity, but this workflow is not one: set 'usable_as_activity: true' and list its outcomes");
            return;
        }
        var outcome = Composition.WorkflowComposer.OutcomeOf(node);
        if (outcome.Length > 0 && !def.Outcomes.Contains(outcome))
            error(SourceMap.Paths.Input(node.Id, "outcome"), $"outcome: '{outcome}' is not one of the workflow's outcomes" +
                (def.Outcomes.IsEmpty ? " (it lists none: add 'outcomes: [...]')" : $" ({string.Join(", ", def.Outcomes)})"));
    }

    private bool HasSubmit(WorkflowDefinition def, ImmutableList<string> seen) =>
        def.Activities.Any(a => a.Workflow is null ? catalog.Find(a.Type)?.ClrType == typeof(Submit)
            : !seen.Contains(a.Workflow.DefinitionId) && _refs.FindWorkflow(a.Workflow.DefinitionId)?.Definition is { } child && HasSubmit(child, seen.Add(a.Workflow.DefinitionId)));

    private bool HasLoop(WorkflowDefinition def, ImmutableList<string> seen)
    {
        var graph = new FlowGraph(def);
        return graph.Components.Any(graph.IsLoop) || def.Activities.Any(a => a.Workflow is { } r && !seen.Contains(r.DefinitionId)
            && _refs.FindWorkflow(r.DefinitionId)?.Definition is { } child && HasLoop(child, seen.Add(r.DefinitionId)));
    }

    private IReadOnlyList<Variant> CheckMatrix(WorkflowDefinition def, Action<string, string> error, Action<string, string> warn)
    {
        var matrix = def.Experiment.Matrix;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var axis in matrix.Axes)
        {
            var p = SourceMap.Paths.Axis(axis.Name);
            if (!names.Add(axis.Name)) error(p, $"axis '{axis.Name}' is declared twice");
            if (axis.Values.IsEmpty) error(p, $"axis '{axis.Name}' has no values");
            foreach (var dup in axis.Values.GroupBy(v => v).Where(g => g.Count() > 1)) error(p, $"axis '{axis.Name}' lists '{dup.Key}' twice");
            if (axis.Values.Any(v => v.Contains(',') || v.Contains('=')))
                error(p, $"axis '{axis.Name}': values may not contain ',' or '=' (they make variant ids)");
        }
        void CheckPoints(ImmutableArray<ImmutableSortedDictionary<string, string>> points, string which, bool mustBeKnownValue)
        {
            for (int i = 0; i < points.Length; i++)
                foreach (var (axis, value) in points[i])
                {
                    var p = $"experiment.matrix.{which}[{i}].{axis}";
                    var decl = matrix.Axes.FirstOrDefault(a => a.Name == axis);
                    if (decl is null) error(p, $"'{which}' names axis '{axis}', which the matrix does not declare" + Suggest(axis, matrix.Axes.Select(a => a.Name)));
                    else if (mustBeKnownValue && !decl.Values.Contains(value)) error(p, $"'{which}' gives '{value}' for axis '{axis}', which is not one of its values ({string.Join(", ", decl.Values)})");
                }
        }
        CheckPoints(matrix.Exclude, "exclude", true);
        CheckPoints(matrix.Include, "include", false);

        var variants = MatrixExpander.Expand(matrix);
        if (variants.Count == 0) error("experiment.matrix", "the matrix excludes every combination: no variant is left to run");

        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in def.Activities)
            foreach (var (name, value) in node.Inputs)
                foreach (var s in Strings(value.Value))
                    foreach (System.Text.RegularExpressions.Match m in InputBinder.AxisReference().Matches(s))
                    {
                        used.Add(m.Groups[1].Value);
                        if (!matrix.Axes.Any(a => a.Name == m.Groups[1].Value) && !matrix.Include.Any(i => i.ContainsKey(m.Groups[1].Value))
                            && !def.Inputs.Any(i => i.Name == m.Groups[1].Value) && !def.UsableAsActivity)
                            error(SourceMap.Paths.Input(node.Id, name), $"'${{{m.Groups[1].Value}}}' refers to no matrix axis" + Suggest(m.Groups[1].Value, matrix.Axes.Select(a => a.Name)));
                    }
        // The language axis is read by the engine itself (it sets each variant's problem language).
        foreach (var axis in matrix.Axes.Where(a => !used.Contains(a.Name) && a.Name != Variant.LanguageAxis))
            warn(SourceMap.Paths.Axis(axis.Name), $"axis '{axis.Name}' is used by no activity input (write ${{{axis.Name}}} in an input); its variants would all be the same");
        return variants;
    }

    private void CheckExperiment(WorkflowDefinition def, Action<string, string> error)
    {
        var e = def.Experiment;
        // A workflow used as an activity runs on its caller's problems, so it may name none.
        if (e.Dataset is null && !def.UsableAsActivity) error("experiment.dataset", "the experiment names no dataset (humaneval, mbpp, gsm8k, or a problem file)");
        else if (e.Dataset is not null && _refs.CheckDataset(e.Dataset) is { } why) error("experiment.dataset", why);
        if (e.Problems is not null)
        {
            try { new ProblemSelection(e.Problems).Apply(Enumerable.Range(0, 100_000).Select(i => new Problem { Id = $"#{i}", Dataset = "", Prompt = "" }).ToArray()); }
            catch (ProblemSelectionException ex)
            {
                // Ids and ranges are checked against the real problems when they are loaded; here only the syntax.
                if (!ex.Message.Contains("out of range") && !ex.Message.Contains("neither a problem id")) error("experiment.problems", ex.Message);
            }
        }
        foreach (var (name, settings) in e.Models)
        {
            if (!settings.ContainsKey("provider")) error(SourceMap.Paths.Model(name), $"model '{name}' names no provider (openai, azure-openai, openai-compatible, ollama, replay, scripted)");
            else if (_refs.CheckModelSettings(name, settings) is { } why) error(SourceMap.Paths.Model(name), why);
        }
    }

    private void CheckInputs(WorkflowDefinition def, ActivityNode node, ActivityDescriptor descriptor, IReadOnlyList<Variant> variants, Action<string, string> error)
    {
        foreach (var (name, value) in node.Inputs)
        {
            var p = SourceMap.Paths.Input(node.Id, name);
            var input = descriptor.FindInput(name);
            if (input is null)
            {
                error(p, $"activity type '{descriptor.TypeName}' has no input '{Naming.ToSnakeCase(name)}'" + Suggest(Naming.ToSnakeCase(name), descriptor.Inputs.Select(i => i.YamlName)));
                continue;
            }
            if (!value.IsLiteral)
            {
                error(p, $"expression type '{value.ExpressionType}' is not supported; give a literal value (use ${{axis}} to vary it per variant)");
                continue;
            }
            foreach (var variant in variants.DefaultIfEmpty(Variant.Default))
            {
                var resolved = InputBinder.Substitute(value.Value, variant);
                if (resolved is JsonValue sv && sv.GetValueKind() == JsonValueKind.String && InputBinder.AxisReference().IsMatch(sv.GetValue<string>())) break; // reported above
                object? bound;
                try { bound = InputBinder.Convert(resolved, input.ClrType, input.YamlName); }
                catch (InputBindingException e)
                {
                    error(p, $"{Naming.ToSnakeCase(name)}: {e.Reason}" + (variant.Axes.IsEmpty ? "" : $" in variant {variant.Id}"));
                    break;
                }
                if (!CheckValue(def, input, bound, variant, p, error)) break;
            }
        }
        foreach (var input in descriptor.Inputs.Where(i => i.Required && !node.Inputs.ContainsKey(i.Name)))
            error(SourceMap.Paths.Activity(node.Id), $"activity '{node.Id}' ({descriptor.TypeName}) needs the input '{input.YamlName}'" + (input.Description.Length > 0 ? $": {input.Description}" : ""));
    }

    private bool CheckValue(WorkflowDefinition def, InputDescriptor input, object? bound, Variant variant, string p, Action<string, string> error)
    {
        var where = variant.Axes.IsEmpty ? "" : $" in variant {variant.Id}";
        if (!input.Options.IsEmpty && bound is string s && !input.Options.Contains(s))
        {
            error(p, $"{input.YamlName}: '{s}' is not one of {string.Join(", ", input.Options)}{where}");
            return false;
        }
        if (!double.IsNaN(input.Min) && bound is int or long or double && Convert.ToDouble(bound) < input.Min)
        {
            error(p, $"{input.YamlName}: {bound} is below the least allowed value {input.Min}{where}");
            return false;
        }
        // A workflow used as an activity names its caller's models, which are checked where it is used.
        if (input.Reference == InputReference.Model && bound is string model && model.Length > 0 && !def.UsableAsActivity
            && !def.Experiment.Models.ContainsKey(model) && !_refs.ModelExists(model))
        {
            error(p, $"{input.YamlName}: unknown model '{model}'{where}; declare it under experiment.models" + Suggest(model, def.Experiment.Models.Keys));
            return false;
        }
        if (input.Reference == InputReference.Prompt && bound is string prompt && prompt.Length > 0 && _refs.CheckPrompt(prompt) is { } why)
        {
            error(p, $"{input.YamlName}: {why}{where}");
            return false;
        }
        return true;
    }

    private void CheckConnections(WorkflowDefinition def, Dictionary<string, WorkflowDefinition> children, Action<string, string> error)
    {
        for (int i = 0; i < def.Connections.Length; i++)
        {
            var c = def.Connections[i];
            var source = def.FindActivity(c.Source.Activity);
            if (source is null)
                error(SourceMap.Paths.ConnectionSource(i), $"connection '{c}' starts at unknown activity '{c.Source.Activity}'" + Suggest(c.Source.Activity, def.Activities.Select(a => a.Id)));
            else if (source.Workflow is not null)
            {
                if (children.TryGetValue(source.Id, out var child) && !child.Outcomes.Contains(c.Source.Port))
                    error(SourceMap.Paths.ConnectionSource(i), $"connection '{c}': workflow '{child.DefinitionId}' has no outcome '{c.Source.Port}'; its outcomes are " +
                        (child.Outcomes.IsEmpty ? "none (list them under 'outcomes')" : string.Join(", ", child.Outcomes)));
            }
            else if (catalog.Find(source.Type) is { } d && !d.HasOutcome(c.Source.Port))
                error(SourceMap.Paths.ConnectionSource(i), $"connection '{c}': {d.TypeName} has no outcome '{c.Source.Port}'; its outcomes are {string.Join(", ", d.Outcomes.Select(o => o.Name))}");
            if (def.FindActivity(c.Target.Activity) is null)
                error(SourceMap.Paths.ConnectionTarget(i), $"connection '{c}' ends at unknown activity '{c.Target.Activity}'" + Suggest(c.Target.Activity, def.Activities.Select(a => a.Id)));
            else if (c.Target.Port != Endpoint.DefaultTargetPort)
                error(SourceMap.Paths.ConnectionTarget(i), $"connection '{c}': activities have one input port, '{Endpoint.DefaultTargetPort}'; '{c.Target.Port}' is not one");
        }
    }

    private void CheckGraph(WorkflowDefinition def, Action<string, string> error)
    {
        if (def.Activities.IsEmpty) { error("activities", "the workflow has no activities"); return; }
        var graph = new FlowGraph(def);
        foreach (var id in graph.Unreachable())
            error(SourceMap.Paths.Activity(id), $"activity '{id}' can never run: no connection leads to it from a starting activity ({string.Join(", ", graph.Starts)}); " +
                "activities with no incoming connection start, and a loop's first stage starts only when no activity lacks one");

        foreach (var component in graph.Components.Where(graph.IsLoop))
        {
            var members = string.Join(" -> ", component);
            var at = SourceMap.Paths.Activity(component[0]);
            // A workflow used as an activity runs under its caller's budget; the caller is checked for one.
            if (!def.Experiment.Budget.IsBounded && !def.UsableAsActivity)
                error(at, $"the loop {members} has no budget: set experiment.budget (max_programs, calls, tokens, time or cost) so it ends");
            var exits = graph.Edges.Any(e => component.Contains(e.Source) && !component.Contains(e.Target));
            if (!exits)
                error(at, $"the loop {members} has no exit: connect an outcome (e.g. Solved or Exhausted) of one of its activities to an activity outside it");
        }
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        JsonArray a => a.SelectMany(Strings),
        JsonObject o => o.Select(kv => kv.Value).SelectMany(Strings),
        _ => [],
    };

    private static string Suggest(string name, IEnumerable<string> known) => Suggestions.DidYouMean(name, known);
}
