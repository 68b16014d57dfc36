using System.Globalization;
using System.Text.RegularExpressions;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// GSM8K (<c>question</c>, <c>answer</c> ending in <c>#### N</c>) as math-as-programs problems: a program defines
/// <c>solution()</c> returning the number; the hidden test compares it with the dataset's final answer.
/// </summary>
internal static partial class Gsm8kLoader
{
    public const string EntryPoint = "solution";

    [GeneratedRegex(@"####\s*(.+?)\s*$")]
    private static partial Regex FinalAnswer();

    public static IReadOnlyList<Problem> Load(string path)
    {
        var problems = new List<Problem>();
        int index = 0;
        foreach (var (line, e) in JsonLines.Read(path))
        {
            var question = e.RequiredString("question", path, line);
            var answerText = e.RequiredString("answer", path, line);
            var m = FinalAnswer().Match(answerText);
            if (!m.Success) throw new DatasetException(path, line, "the answer has no final '#### N' line");
            var answer = NormalizeNumber(m.Groups[1].Value);
            problems.Add(new Problem
            {
                Id = $"GSM8K/{index++}",
                Dataset = "gsm8k",
                Prompt = question,
                Description = question,
                EntryPoint = EntryPoint,
                Answer = answer,
                Hidden = [new AssertTest($"assert abs(float({EntryPoint}()) - {answer}) < 1e-6")],
            });
        }
        return problems;
    }

    /// <summary>"1,234" -> "1234"; keeps a leading minus and decimals.</summary>
    public static string NormalizeNumber(string text)
    {
        var t = text.Replace(",", "").Replace("$", "").Trim();
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v.ToString("R", CultureInfo.InvariantCulture)
            : throw new FormatException($"'{text}' is not a number");
    }
}
