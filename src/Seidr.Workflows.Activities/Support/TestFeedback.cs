using System.Text;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// How a program's failed tests are shown to a model (SEIDR's feedback to the instruct and debug steps): each failing
/// test with what was expected and what the program did. Only the tests the program was executed on appear, which are
/// visible or generated tests, never hidden ones.
/// </summary>
internal static class TestFeedback
{
    /// <summary>Longest text shown for one expected or actual value (long outputs are cut in the middle).</summary>
    public const int MaxValueLength = 600;

    /// <summary>Whether the program has at least one failing test result to explain.</summary>
    public static bool HasFailures(Candidate program) => program.Results.Any(r => !r.Passed);

    /// <summary>The first <paramref name="max"/> failing tests rendered as expected vs actual, in test order; empty when none failed.</summary>
    public static string Render(Candidate program, int max)
    {
        var failures = program.Results.Where(r => !r.Passed).ToList();
        if (failures.Count == 0) return "";
        var text = new StringBuilder();
        foreach (var r in failures.Take(Math.Max(1, max)))
        {
            if (text.Length > 0) text.Append('\n');
            if (StdinOf(r.Test) is { } input)
            {
                RenderIo(text, r, input);
                continue;
            }
            text.Append("Test: ").Append(r.Test.Trim()).Append('\n');
            switch (r.Status)
            {
                case TestStatus.Failed when r.Expected is not null || r.Actual is not null:
                    text.Append("Expected: ").Append(Cut(r.Expected ?? "(not reported)")).Append('\n');
                    text.Append("Actual: ").Append(Cut(r.Actual ?? "(not reported)")).Append('\n');
                    if (!string.IsNullOrWhiteSpace(r.Message)) text.Append("Message: ").Append(Cut(r.Message)).Append('\n');
                    break;
                case TestStatus.Failed:
                    text.Append("Failed").Append(string.IsNullOrWhiteSpace(r.Message) ? "" : ": " + Cut(r.Message)).Append('\n');
                    break;
                case TestStatus.Timeout or TestStatus.Memory or TestStatus.OutputLimit:
                    text.Append(LimitLine(r.Status));
                    break;
                default:
                    if (r.Expected is not null) text.Append("Expected: ").Append(Cut(r.Expected)).Append('\n');
                    text.Append("Actual: error").Append(string.IsNullOrWhiteSpace(r.Message) ? "" : "\n" + Cut(r.Message)).Append('\n');
                    break;
            }
        }
        if (failures.Count > max) text.Append($"\n({failures.Count - max} more failing test(s) not shown)\n");
        return text.ToString();
    }

    // One wording for a limit, whatever the test's shape, so that Explain sees the same words for the same event.
    private static string LimitLine(TestStatus status) => status switch
    {
        TestStatus.Timeout => "Actual: the program did not finish within the time limit\n",
        TestStatus.Memory => "Actual: the program ran out of memory\n",
        _ => "Actual: the program wrote too much output\n",
    };

    /// <summary>
    /// A stdin/stdout test as SEIDR shows it: the input, the expected output and what the program printed (or how it
    /// failed: compile error, runtime error, time or memory limit), each as the text itself, not escaped.
    /// </summary>
    private static void RenderIo(StringBuilder text, TestResult r, string input)
    {
        text.Append("Input:\n").Append(Block(input));
        if (r.Expected is not null) text.Append("Expected output:\n").Append(Block(r.Expected));
        switch (r.Status)
        {
            case TestStatus.Failed:
                text.Append("Actual output:\n").Append(r.Actual is { Length: > 0 } a ? Block(a) : "(nothing)\n");
                break;
            case TestStatus.Timeout or TestStatus.Memory or TestStatus.OutputLimit:
                text.Append(LimitLine(r.Status));
                break;
            default:
                text.Append("Actual: error").Append(string.IsNullOrWhiteSpace(r.Message) ? "" : "\n" + Cut(r.Message)).Append('\n');
                break;
        }
    }

    private static string Block(string value) => Cut(value) + "\n";

    /// <summary>The standard input of a stdin/stdout test from its key (<c>stdin: "json" -> "json"</c>, see TestSets.Key), or null for other tests.</summary>
    public static string? StdinOf(string testKey)
    {
        if (!testKey.StartsWith("stdin: ", StringComparison.Ordinal)) return null;
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes(testKey[7..]));
            return reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Cut(string value)
    {
        var v = value.TrimEnd();
        return v.Length <= MaxValueLength ? v : v[..(MaxValueLength / 2)] + " ... " + v[^(MaxValueLength / 2)..];
    }
}
