using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// Turns doctest-style examples in a prompt (<c>&gt;&gt;&gt; f(x)</c> followed by the expected value)
/// into assert tests. Only examples that call the entry point are kept.
/// </summary>
internal static partial class DocstringExamples
{
    public static ImmutableArray<TestSpec> Extract(string prompt, string entryPoint)
    {
        var lines = prompt.Split('\n');
        var tests = ImmutableArray.CreateBuilder<TestSpec>();
        for (int i = 0; i < lines.Length; i++)
        {
            var m = Doctest().Match(lines[i]);
            if (!m.Success) continue;
            var call = m.Groups[1].Value.Trim();
            if (!call.Contains(entryPoint + "(", StringComparison.Ordinal)) continue;
            var expected = new StringBuilder();
            int j = i + 1;
            for (; j < lines.Length; j++)
            {
                var t = lines[j].Trim();
                if (t.Length == 0 || t.StartsWith(">>>", StringComparison.Ordinal) || t.StartsWith("\"\"\"", StringComparison.Ordinal) || t.StartsWith("'''", StringComparison.Ordinal)) break;
                if (expected.Length > 0) expected.Append(' ');
                expected.Append(t);
            }
            if (expected.Length == 0) continue;
            tests.Add(new AssertTest($"assert {call} == {expected}"));
            i = j - 1;
        }
        return tests.ToImmutable();
    }

    [GeneratedRegex(@"^\s*>>>\s?(.*)$")]
    private static partial Regex Doctest();
}
