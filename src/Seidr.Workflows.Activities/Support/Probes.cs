using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// Inputs to compare programs on (for voting by output agreement): the calls of the entry point on the left of
/// <c>assert call == expected</c> tests, or the standard inputs of stdin/stdout tests. Expected values are not used.
/// </summary>
internal static class Probes
{
    /// <summary>A value no program is expected to return, so every probe reports what the program returned.</summary>
    public const string Sentinel = "'\\x00seidr-vote'";

    /// <summary>Numbers compare by value (1 == 1.0), rounded to 6 places, so programs that agree are not split by type.</summary>
    public const string Normalize = "(lambda v: round(float(v), 6) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)";

    /// <summary>The distinct call expressions of <paramref name="entryPoint"/> on the left of <c>==</c> in assert tests, in order.</summary>
    public static IReadOnlyList<string> CallsIn(IEnumerable<TestSpec> tests, string? entryPoint)
    {
        var calls = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var test in tests.OfType<AssertTest>())
        {
            var lhs = LeftOfEquals(test.Code);
            if (lhs is null) continue;
            if (!string.IsNullOrEmpty(entryPoint) && !lhs.Contains(entryPoint + "(", StringComparison.Ordinal)) continue;
            if (seen.Add(lhs)) calls.Add(lhs);
        }
        return calls;
    }

    /// <summary>The distinct standard inputs of stdin/stdout tests, in order.</summary>
    public static IReadOnlyList<string> InputsIn(IEnumerable<TestSpec> tests) =>
        tests.OfType<IoTest>().Select(t => t.Input).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The tests that make a program report its output on each probe (every one fails, with the output as actual). For
    /// C++ programs the call is compared with the sentinel as it is: the C++ harness reports the value of such a probe
    /// (printed with 15 significant digits, which is its normalisation) instead of comparing it.
    /// </summary>
    public static IReadOnlyList<TestSpec> AsTests(IReadOnlyList<string> calls, IReadOnlyList<string> inputs, bool cpp = false) =>
        [.. calls.Select(c => (TestSpec)new AssertTest(cpp ? $"assert {c} == {Sentinel}" : $"assert {Normalize}({c}) == {Sentinel}")),
         .. inputs.Select(i => (TestSpec)new IoTest(i, "\u0000seidr-vote"))];

    /// <summary>
    /// The expression between <c>assert</c> and the first top-level <c>==</c> (outside brackets and strings), or null
    /// when the test is not of that form.
    /// </summary>
    public static string? LeftOfEquals(string assert)
    {
        var code = assert.Trim();
        if (!code.StartsWith("assert ", StringComparison.Ordinal) && !code.StartsWith("assert(", StringComparison.Ordinal)) return null;
        code = code[6..];
        int depth = 0;
        char quote = '\0';
        for (int i = 0; i < code.Length - 1; i++)
        {
            var c = code[i];
            if (quote != '\0')
            {
                if (c == '\\') { i++; continue; }
                if (c == quote) quote = '\0';
                continue;
            }
            switch (c)
            {
                case '\'' or '"': quote = c; break;
                case '(' or '[' or '{': depth++; break;
                case ')' or ']' or '}': depth--; break;
                case '=' when depth == 0 && code[i + 1] == '=' && (i == 0 || code[i - 1] is not ('=' or '!' or '<' or '>')):
                    var lhs = code[..i].Trim();
                    return lhs.Length == 0 ? null : lhs;
            }
        }
        return null;
    }
}
