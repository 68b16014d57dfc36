using System.Text;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Activities.Tests.Stages.Support;

/// <summary>
/// Writes the small workflows <see cref="StageHarness"/> runs, so that a test states only what it varies: the
/// candidates seeded (<see cref="Seed"/>), the stages in a chain (each fed by a port of the one before), and a
/// <see cref="Probe"/> on each port the test reads.
/// </summary>
public sealed class StageFlow
{
    private readonly StringBuilder _activities = new();
    private readonly List<string> _connections = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private string? _last;

    /// <summary>
    /// Lexicon, then Sketch, then Draft when given its inputs: the last stage's Done goes to the probe <c>done</c>,
    /// the Empty ports to <c>lexicon_empty</c> and <c>sketch_empty</c>.
    /// </summary>
    public static StageFlow LexiconSketch(string lexiconInputs = "model: coder", string sketchInputs = "model: coder", string? draftInputs = null)
    {
        var flow = new StageFlow()
            .Then("lexicon", "Seidr.Lexicon", lexiconInputs).ProbeAs("Empty", "lexicon_empty")
            .Then("sketch", "Seidr.Sketch", sketchInputs).ProbeAs("Empty", "sketch_empty");
        if (draftInputs is not null) flow.Then("draft", "Seidr.Draft", draftInputs);
        return flow.ProbeAs("Done", "done");
    }

    /// <summary>Seeds programs (one per item); a seed after another adds to its candidates.</summary>
    public StageFlow Seed(params string[] programs) => SeedOf(CandidateKinds.Program, programs);

    /// <summary>Seeds candidates of <paramref name="kind"/> (one per item); a seed after another adds to its candidates.</summary>
    public StageFlow SeedOf(string kind, params string[] items)
    {
        var id = _ids.Contains("seed") ? $"seed{_ids.Count(i => i.StartsWith("seed", StringComparison.Ordinal)) + 1}" : "seed";
        return Add(id, "Test.Seed", $"kind: {kind}, items: {Quote(string.Join("\n---\n", items))}", "Done");
    }

    /// <summary>Adds a stage fed by the previous activity's <paramref name="from"/> port (nothing for the first).</summary>
    /// <param name="inputs">The inputs as YAML flow-mapping entries, e.g. <c>model: coder, drafts_per_prompt: 2</c>.</param>
    public StageFlow Then(string id, string type, string inputs = "", string from = "Done") => Add(id, type, inputs, from);

    /// <summary>Routes ports of the last stage to probes named as the ports in lower case (<c>Empty</c> to <c>empty</c>).</summary>
    public StageFlow Probe(params string[] ports)
    {
        foreach (var port in ports) ProbeAs(port, port.ToLowerInvariant());
        return this;
    }

    /// <summary>Routes a port of the last stage to the probe <paramref name="probe"/> (created on first use).</summary>
    public StageFlow ProbeAs(string port, string probe)
    {
        var from = _last ?? throw new InvalidOperationException("add a stage before its probes");
        if (_ids.Add(probe)) _activities.Append("- {id: ").Append(probe).Append(", type: Test.Probe}\n");
        _connections.Add($"{from}.{port} -> {probe}");
        return this;
    }

    /// <summary>Adds a connection between two activities already added (<c>draft.Done</c> to <c>execute</c>).</summary>
    public StageFlow Connect(string source, string target)
    {
        _connections.Add($"{source} -> {target}");
        return this;
    }

    /// <summary>Routes a port of the last stage back into it: a loop that runs until the budget routes elsewhere.</summary>
    public StageFlow Loop(string port)
    {
        var stage = _last ?? throw new InvalidOperationException("add a stage before its loop");
        _connections.Add($"{stage}.{port} -> {stage}");
        return this;
    }

    /// <summary>The workflow's <c>activities</c> and <c>connections</c>, as <see cref="StageHarness.RunAsync"/> takes them.</summary>
    public override string ToString() =>
        "activities:\n" + _activities + "connections:\n" + string.Concat(_connections.Select(c => $"- {c}\n"));

    /// <summary>The YAML, so a flow is passed where a string is expected.</summary>
    public static implicit operator string(StageFlow flow) => flow.ToString();

    /// <summary>A YAML double-quoted scalar of <paramref name="text"/>.</summary>
    public static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t") + "\"";

    private StageFlow Add(string id, string type, string inputs, string from)
    {
        if (!_ids.Add(id)) throw new ArgumentException($"two activities have the id '{id}'", nameof(id));
        _activities.Append("- {id: ").Append(id).Append(", type: ").Append(type);
        if (inputs.Length > 0) _activities.Append(", inputs: {").Append(inputs).Append('}');
        _activities.Append("}\n");
        if (_last is not null) _connections.Add($"{_last}.{from} -> {id}");
        _last = id;
        return this;
    }
}
