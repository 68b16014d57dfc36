using System.Collections.Immutable;
using Seidr.Workflows.Definitions;

namespace Seidr.Workflows.Engine;

/// <summary>
/// The static shape of a flowchart: start activities, edges by source port, which edges close loops (back edges,
/// found by depth-first search from the starts in file order), reachability and strongly connected components.
/// </summary>
internal sealed class FlowGraph
{
    private readonly Dictionary<string, int> _index;
    private readonly bool[,] _reach;

    public FlowGraph(WorkflowDefinition definition)
    {
        Nodes = definition.Activities.Select(a => a.Id).Distinct().ToImmutableArray();
        _index = Nodes.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        Edges = definition.Connections.Select((c, i) => (c, i))
            .Where(x => _index.ContainsKey(x.c.Source.Activity) && _index.ContainsKey(x.c.Target.Activity))
            .Select(x => new GraphEdge(x.i, x.c.Source.Activity, x.c.Source.Port, x.c.Target.Activity))
            .ToImmutableArray();
        // Like Elsa's flowchart: activities with no incoming connection start; when every activity has one (a loop
        // around the first stage), the first activity in the file starts.
        Starts = Nodes.Where(n => Edges.All(e => e.Target != n)).ToImmutableArray();
        if (Starts.IsEmpty && !Nodes.IsEmpty) Starts = [Nodes[0]];

        var n = Nodes.Length;
        _reach = new bool[n, n];
        foreach (var e in Edges) _reach[_index[e.Source], _index[e.Target]] = true;
        for (int k = 0; k < n; k++)
            for (int i = 0; i < n; i++)
                if (_reach[i, k])
                    for (int j = 0; j < n; j++)
                        if (_reach[k, j]) _reach[i, j] = true;

        BackEdges = FindBackEdges();
        Components = Nodes.GroupBy(a => Nodes.Where(b => a == b || (CanReach(a, b) && CanReach(b, a))).OrderBy(x => _index[x]).First())
            .Select(g => g.ToImmutableArray()).ToImmutableArray();
    }

    public ImmutableArray<string> Nodes { get; }
    public ImmutableArray<GraphEdge> Edges { get; }
    public ImmutableArray<string> Starts { get; }

    /// <summary>Connection indexes of edges that close a loop.</summary>
    public ImmutableHashSet<int> BackEdges { get; }

    /// <summary>Strongly connected components; those with a cycle are loops.</summary>
    public ImmutableArray<ImmutableArray<string>> Components { get; }

    public bool CanReach(string from, string to) =>
        _index.TryGetValue(from, out var i) && _index.TryGetValue(to, out var j) && _reach[i, j];

    public IEnumerable<GraphEdge> From(string activity, string port) => Edges.Where(e => e.Source == activity && e.Port == port);
    public IEnumerable<GraphEdge> ForwardInto(string activity) => Edges.Where(e => e.Target == activity && !BackEdges.Contains(e.Index));

    public bool IsLoop(ImmutableArray<string> component) =>
        component.Length > 1 || Edges.Any(e => e.Source == component[0] && e.Target == component[0]);

    /// <summary>Activities not reachable from any start.</summary>
    public IEnumerable<string> Unreachable() =>
        Nodes.Where(n => !Starts.Contains(n) && !Starts.Any(s => CanReach(s, n)));

    private ImmutableHashSet<int> FindBackEdges()
    {
        var back = ImmutableHashSet.CreateBuilder<int>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on stack, 2 = done
        var roots = Starts.Concat(Nodes);
        foreach (var root in roots) Visit(root);
        return back.ToImmutable();

        void Visit(string node)
        {
            if (state.ContainsKey(node)) return;
            state[node] = 1;
            foreach (var e in Edges.Where(e => e.Source == node))
            {
                if (state.TryGetValue(e.Target, out var s)) { if (s == 1) back.Add(e.Index); }
                else Visit(e.Target);
            }
            state[node] = 2;
        }
    }
}

/// <summary>A connection between two activities of the flowchart.</summary>
/// <param name="Index">The connection's position in the definition's <c>connections</c>.</param>
/// <param name="Source">The activity it leaves.</param>
/// <param name="Port">The source's outcome port it leaves on.</param>
/// <param name="Target">The activity it reaches.</param>
internal sealed record GraphEdge(int Index, string Source, string Port, string Target);
