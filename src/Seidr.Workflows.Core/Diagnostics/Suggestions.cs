namespace Seidr.Workflows.Diagnostics;

/// <summary>"Did you mean ...?" for misspelled names in error messages.</summary>
public static class Suggestions
{
    /// <summary>Edit distance (insertions, deletions, substitutions).</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>
    /// "; did you mean 'x'?" when a known name is close (case-insensitive), else "; known: a, b, c" for short
    /// lists (or <paramref name="otherwise"/>), else empty.
    /// </summary>
    public static string DidYouMean(string name, IEnumerable<string> known, string? otherwise = null)
    {
        var list = known.ToList();
        if (list.Count == 0) return "";
        var best = list.Select(k => (k, d: Distance(name.ToLowerInvariant(), k.ToLowerInvariant()))).OrderBy(x => x.d).First();
        if (best.d <= Math.Max(2, name.Length / 3)) return $"; did you mean '{best.k}'?";
        return otherwise ?? (list.Count <= 12 ? $"; known: {string.Join(", ", list)}" : "");
    }
}
