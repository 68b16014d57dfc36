using System.Text.Json;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// The text of a test-set candidate: assert statements one after another (function problems), or a JSON list of
/// <c>{"kind":"io","input":...,"expectedOutput":...}</c> (stdin/stdout problems).
/// </summary>
internal static class TestSets
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<TestSpec> Parse(string content)
    {
        var trimmed = content.TrimStart();
        if (trimmed.StartsWith('['))
        {
            try { return JsonSerializer.Deserialize<List<TestSpec>>(trimmed, Json) ?? []; }
            catch (JsonException) { return []; }
        }
        return CodeText.ExtractAsserts(content).Select(a => (TestSpec)new AssertTest(a)).ToList();
    }

    public static string Format(IEnumerable<TestSpec> tests)
    {
        var list = tests.ToList();
        return list.All(t => t is AssertTest)
            ? string.Join("\n", list.Cast<AssertTest>().Select(a => a.Code)) + "\n"
            : JsonSerializer.Serialize(list, Json);
    }

    /// <summary>A test's identity, used to match results to tests and to de-duplicate.</summary>
    public static string Key(TestSpec test) => test switch
    {
        AssertTest a => a.Code,
        IoTest io => $"stdin: {JsonSerializer.Serialize(io.Input)} -> {JsonSerializer.Serialize(io.ExpectedOutput)}",
        CheckTest c => $"check({c.EntryPoint})",
        _ => test.ToString()!,
    };

    /// <summary>The verdict of <paramref name="test"/> as a candidate carries it: its key, status, output and message.</summary>
    public static TestResult Result(TestSpec test, TestOutcome outcome, TestReport report) => new(Key(test), outcome.Status)
    {
        Expected = outcome.Expected,
        Actual = outcome.Actual,
        Message = outcome.Message ?? report.CompileError,
    };
}
