using System.Text.RegularExpressions;

namespace Seidr.Workflows.Activities.Support;

/// <summary>Turns model answers into program text.</summary>
internal static partial class CodeText
{
    /// <summary>CodeT's stop strings: a completion ends at the first of these.</summary>
    public static readonly string[] CompletionStops = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"];

    /// <summary>Cuts a completion at the first stop string (CodeT's and the reference verdicts' rule).</summary>
    public static string CutCompletion(string completion)
    {
        int cut = completion.Length;
        foreach (var stop in CompletionStops)
        {
            var i = completion.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && i < cut) cut = i;
        }
        return completion[..cut];
    }

    [GeneratedRegex(@"```[ \t]*(python|py|python3|cpp|c\+\+|cc|cxx)?[ \t]*\r?\n(.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Fenced();

    /// <summary>
    /// The program in a chat answer for <paramref name="problem"/>, in the problem's language: for Python as
    /// <see cref="ExtractCode(string, string?)"/>; for C++ the fenced block that defines the entry point (function
    /// problems) or <c>main</c> (stdin/stdout problems), preferring blocks tagged cpp/c++, else the longest block.
    /// </summary>
    public static string ExtractCode(string answer, Problems.Problem problem)
    {
        if (Languages.Of(problem) != Execution.ProgramLanguage.Cpp) return ExtractCode(answer, problem.EntryPoint);
        var blocks = Fenced().Matches(answer).Select(m => (Tag: m.Groups[1].Value.ToLowerInvariant(), Code: m.Groups[2].Value)).ToList();
        if (blocks.Count == 0) return ExtractCode(answer, (string?)null);
        var wanted = problem.EntryPoint is { Length: > 0 } ep ? ep + "(" : "main(";
        var chosen = blocks.Where(b => b.Tag is "cpp" or "c++" or "cc" or "cxx").FirstOrDefault(b => b.Code.Contains(wanted, StringComparison.Ordinal)).Code
                     ?? blocks.FirstOrDefault(b => b.Code.Contains(wanted, StringComparison.Ordinal)).Code
                     ?? blocks.OrderByDescending(b => b.Code.Length).First().Code;
        return chosen.TrimEnd() + "\n";
    }

    /// <summary>
    /// Whether extracted text can be a program for <paramref name="problem"/>: not blank, and it defines what the tests
    /// call: the entry point (Python <c>def name(</c>, C++ <c>name(</c>), or for C++ stdin/stdout problems <c>main(</c>.
    /// </summary>
    public static bool IsProgram(string code, Problems.Problem problem)
    {
        if (string.IsNullOrWhiteSpace(code)) return false;
        if (Languages.Of(problem) == Execution.ProgramLanguage.Cpp)
            return code.Contains(problem.EntryPoint is { Length: > 0 } ep ? ep + "(" : "main(", StringComparison.Ordinal)
                   || (problem.EntryPoint is { Length: > 0 } e && code.Contains(e + " (", StringComparison.Ordinal));
        return string.IsNullOrEmpty(problem.EntryPoint) || code.Contains($"def {problem.EntryPoint}(", StringComparison.Ordinal) || code.Contains($"def {problem.EntryPoint} (", StringComparison.Ordinal);
    }

    /// <summary>
    /// The code in a chat answer: the fenced block that defines <paramref name="entryPoint"/> (else the longest
    /// block), or the whole answer when it has no fence.
    /// </summary>
    public static string ExtractCode(string answer, string? entryPoint = null)
    {
        var blocks = Fenced().Matches(answer).Select(m => m.Groups[2].Value).ToList();
        if (blocks.Count == 0)
        {
            var open = answer.IndexOf("```", StringComparison.Ordinal);
            if (open >= 0)
            {
                // An unterminated fence (the answer was cut at max tokens): take what follows it.
                var start = answer.IndexOf('\n', open);
                return start < 0 ? "" : answer[(start + 1)..].TrimEnd() + "\n";
            }
            return answer.Trim() + "\n";
        }
        var chosen = entryPoint is not null ? blocks.FirstOrDefault(b => b.Contains($"def {entryPoint}(", StringComparison.Ordinal)) : null;
        return (chosen ?? blocks.OrderByDescending(b => b.Length).First()).TrimEnd() + "\n";
    }

    /// <summary>Assert statements in a model's test answer, one per test (multi-line asserts joined).</summary>
    public static IReadOnlyList<string> ExtractAsserts(string text)
    {
        var code = text.Contains("```", StringComparison.Ordinal) ? ExtractCode(text) : text;
        var asserts = new List<string>();
        var current = new List<string>();
        void Flush()
        {
            if (current.Count > 0) asserts.Add(string.Join("\n", current).TrimEnd());
            current.Clear();
        }
        foreach (var raw in code.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("assert ", StringComparison.Ordinal) || line == "assert") { Flush(); current.Add(line); }
            else if (current.Count > 0 && (line.StartsWith(' ') || line.StartsWith('\t') || line.StartsWith(')') || line.StartsWith(']'))) current.Add(line);
            else Flush();
        }
        Flush();
        return asserts;
    }
}
