using System.Globalization;

namespace Seidr.Workflows.Problems;

/// <summary>
/// Which problems of a dataset a run takes: <c>all</c>, index ranges (<c>0-19</c>, <c>3,5,10-12</c>),
/// ids (<c>HumanEval/0, HumanEval/7</c>), or a seeded random sample (<c>random:20:seed=7</c>).
/// </summary>
/// <param name="Text">The selection as written in a workflow or on the command line.</param>
public sealed record ProblemSelection(string Text)
{
    /// <summary>Every problem, in the dataset's order.</summary>
    public static ProblemSelection All { get; } = new("all");

    /// <summary>The selected problems, each once: in the order written for ids and ranges, in dataset order for <c>all</c> and <c>random</c>.</summary>
    /// <exception cref="ProblemSelectionException">The text is malformed or an index is out of range.</exception>
    public IReadOnlyList<Problem> Apply(IReadOnlyList<Problem> problems)
    {
        var text = Text.Trim();
        if (text.Length == 0 || text.Equals("all", StringComparison.OrdinalIgnoreCase)) return problems;
        if (text.StartsWith("random:", StringComparison.OrdinalIgnoreCase)) return Random(problems, text);

        var picked = new List<Problem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var byId = problems.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (byId.TryGetValue(raw, out var exact)) { Add(exact); continue; }
            var dash = raw.IndexOf('-', 1);
            if (dash > 0 && int.TryParse(raw[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                         && int.TryParse(raw[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to))
            {
                if (to < from) throw new ProblemSelectionException($"range '{raw}' ends before it starts");
                for (int i = from; i <= to; i++) Add(At(i, raw));
                continue;
            }
            if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) { Add(At(index, raw)); continue; }
            throw new ProblemSelectionException($"'{raw}' is neither a problem id, an index nor a range");
        }
        return picked;

        void Add(Problem p) { if (seen.Add(p.Id)) picked.Add(p); }
        Problem At(int i, string raw) => i >= 0 && i < problems.Count
            ? problems[i]
            : throw new ProblemSelectionException($"'{raw}' is out of range: the dataset has {problems.Count} problems (0-{problems.Count - 1})");
    }

    private static IReadOnlyList<Problem> Random(IReadOnlyList<Problem> problems, string text)
    {
        // random:COUNT[:seed=N]
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
            throw new ProblemSelectionException($"'{text}': expected random:COUNT or random:COUNT:seed=N");
        int seed = 0;
        if (parts.Length > 2)
        {
            var s = parts[2];
            if (s.StartsWith("seed=", StringComparison.OrdinalIgnoreCase)) s = s[5..];
            if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seed))
                throw new ProblemSelectionException($"'{text}': seed must be a whole number");
        }
        var indices = Enumerable.Range(0, problems.Count).ToArray();
        new Random(seed).Shuffle(indices);
        return indices.Take(Math.Min(count, problems.Count)).Order().Select(i => problems[i]).ToArray();
    }
}

/// <summary>A selection that cannot be applied: bad syntax or an index the dataset does not have; the message says which.</summary>
/// <param name="message">What is wrong, quoting the offending part.</param>
public sealed class ProblemSelectionException(string message) : Exception(message);
