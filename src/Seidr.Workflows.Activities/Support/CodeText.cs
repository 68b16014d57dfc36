using System.Text.RegularExpressions;

namespace Seidr.Workflows.Activities.Support;

/// <summary>Turns model answers into program text.</summary>
public static partial class CodeText
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

    [GeneratedRegex(@"```[ \t]*(?:python|py|python3|cpp|c\+\+)?[ \t]*\r?\n(.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Fenced();

    /// <summary>
    /// The code in a chat answer: the fenced block that defines <paramref name="entryPoint"/> (else the longest
    /// block), or the whole answer when it has no fence.
    /// </summary>
    public static string ExtractCode(string answer, string? entryPoint = null)
    {
        var blocks = Fenced().Matches(answer).Select(m => m.Groups[1].Value).ToList();
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
