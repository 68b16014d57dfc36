using System.Globalization;

namespace Seidr.Workflows.Execution;

/// <summary>Compares a program's stdout with the expected output (see <see cref="OutputComparison"/>).</summary>
internal static class OutputComparer
{
    private static readonly char[] Whitespace = [' ', '\t', '\n', '\r', '\f', '\v'];

    public static bool Matches(OutputComparison comparison, string expected, string actual)
    {
        if (!comparison.Tolerant) return string.Equals(expected, actual, StringComparison.Ordinal);
        var e = expected.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries);
        var a = actual.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries);
        if (e.Length != a.Length) return false;
        for (int i = 0; i < e.Length; i++)
        {
            if (string.Equals(e[i], a[i], StringComparison.Ordinal)) continue;
            if (!TryNumber(e[i], out var x) || !TryNumber(a[i], out var y)) return false;
            if (double.IsNaN(x) || double.IsNaN(y)) return false;
            if (x == y) continue;
            var diff = Math.Abs(x - y);
            if (diff <= comparison.AbsoluteTolerance) continue;
            if (diff <= comparison.RelativeTolerance * Math.Max(Math.Abs(x), Math.Abs(y))) continue;
            return false;
        }
        return true;
    }

    private static bool TryNumber(string token, out double value) =>
        double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsInfinity(value);
}
