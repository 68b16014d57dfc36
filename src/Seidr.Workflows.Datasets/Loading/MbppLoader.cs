using System.Text.RegularExpressions;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>MBPP sanitized in HumanEval form. The first assert of its check function is the visible example; the whole check is hidden.</summary>
internal static partial class MbppLoader
{
    [GeneratedRegex(@"^\s*(assert\s.+)$", RegexOptions.Multiline)]
    private static partial Regex AssertLine();

    public static IReadOnlyList<Problem> Load(string path) =>
        HumanEvalLoader.Load(path, "mbpp", promptsWithExamplesPath: null)
            .Select(p =>
            {
                var check = p.Hidden.OfType<CheckTest>().First();
                var first = AssertLine().Match(check.Code);
                return p with { Visible = first.Success ? [new AssertTest(first.Groups[1].Value.Trim().Replace("candidate(", p.EntryPoint + "(", StringComparison.Ordinal))] : [] };
            })
            .ToList();
}
