using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// DeepMind's CodeContests records as JSON lines (one problem per line; <c>.jsonl</c> or <c>.jsonl.gz</c>): <c>name</c>,
/// <c>description</c>, <c>public_tests</c>, <c>private_tests</c> and <c>generated_tests</c> (each
/// <c>{input: [...], output: [...]}</c>), <c>time_limit</c> (<c>{seconds, nanos}</c>), <c>memory_limit_bytes</c> and
/// <c>solutions</c> (<c>{language: [...], solution: [...]}</c>); other fields are ignored. Public tests are visible;
/// private and generated tests are hidden, as AlphaCode used them. The problem's time and memory limits go with it and
/// apply in Execute and the judge.
/// </summary>
public static class CodeContestsLoader
{
    /// <summary>CodeContests' language enum (ContestProblem.Solution.Language), by number and by name.</summary>
    private static readonly ImmutableDictionary<string, string> LanguageNames = new Dictionary<string, string>
    {
        ["0"] = "unknown", ["1"] = "python2", ["2"] = "cpp", ["3"] = "python3", ["4"] = "java",
        ["UNKNOWN_LANGUAGE"] = "unknown", ["PYTHON"] = "python2", ["CPP"] = "cpp", ["PYTHON3"] = "python3", ["JAVA"] = "java",
    }.ToImmutableDictionary();

    /// <summary>Whether the file's first record looks like a CodeContests problem (it has <c>public_tests</c>).</summary>
    public static bool IsCodeContests(string path)
    {
        foreach (var (_, e) in JsonLines.Read(path))
            return e.ValueKind == JsonValueKind.Object && e.TryGetProperty("public_tests", out _);
        return false;
    }

    /// <summary>Every record of the file as a standard-input problem, in file order.</summary>
    /// <param name="path">The <c>.jsonl</c> or <c>.jsonl.gz</c> file.</param>
    /// <param name="dataset">The dataset name the problems carry (a problem file may rename them).</param>
    /// <exception cref="DatasetException">A record is not an object, lacks a required field, or repeats a name.</exception>
    public static IReadOnlyList<Problem> Load(string path, string dataset = "codecontests")
    {
        var problems = new List<Problem>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, e) in JsonLines.Read(path))
        {
            if (e.ValueKind != JsonValueKind.Object) throw new DatasetException(path, line, "a CodeContests record is a JSON object");
            var name = e.RequiredString("name", path, line);
            if (!names.Add(name)) throw new DatasetException(path, line, $"problem name '{name}' is used twice");
            var description = e.RequiredString("description", path, line);
            var visible = Tests(e, "public_tests", path, line);
            var hidden = Tests(e, "private_tests", path, line).AddRange(Tests(e, "generated_tests", path, line));
            var extra = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            if (hidden.IsEmpty)
            {
                if (visible.IsEmpty) throw new DatasetException(path, line, $"problem '{name}' has no tests (public, private or generated)");
                // Some records have only public tests: they are then the judge's too, and the problem says so.
                hidden = visible;
                extra["hidden_tests"] = "public (the record has no private or generated tests)";
            }
            var languages = SolutionLanguages(e, path, line, out var python3, out var cpp);
            if (languages.Length > 0) extra["solution_languages"] = string.Join(",", languages);
            foreach (var key in new[] { "difficulty", "cf_rating", "source" })
                if (e.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.Number or JsonValueKind.String)
                    extra[key] = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
            problems.Add(new Problem
            {
                Id = name,
                Dataset = dataset,
                Prompt = ProblemFileLoader.StdioPrompt(description),
                Description = description,
                Shape = ProblemShape.StdinStdout,
                Visible = visible,
                Hidden = hidden,
                CanonicalSolution = python3 ?? cpp,
                TimeLimit = TimeLimit(e, path, line),
                MemoryLimitMb = MemoryLimit(e, path, line),
                Extra = extra.ToImmutable(),
            });
        }
        if (problems.Count == 0) throw new DatasetException(path, 0, "no CodeContests records");
        return problems;
    }

    private static ImmutableArray<TestSpec> Tests(JsonElement e, string field, string path, int line)
    {
        if (!e.TryGetProperty(field, out var t) || t.ValueKind == JsonValueKind.Null) return [];
        if (t.ValueKind != JsonValueKind.Object) throw new DatasetException(path, line, $"field '{field}' must be an object {{input: [...], output: [...]}}");
        var inputs = Strings(t, "input", field, path, line);
        var outputs = Strings(t, "output", field, path, line);
        if (inputs.Count != outputs.Count)
            throw new DatasetException(path, line, $"field '{field}' has {inputs.Count} inputs but {outputs.Count} outputs");
        return inputs.Zip(outputs, (i, o) => (TestSpec)new IoTest(i, o)).ToImmutableArray();
    }

    private static List<string> Strings(JsonElement t, string key, string field, string path, int line)
    {
        if (!t.TryGetProperty(key, out var list) || list.ValueKind == JsonValueKind.Null) return [];
        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            throw new DatasetException(path, line, $"field '{field}.{key}' must be a list of strings");
        return list.EnumerateArray().Select(x => x.GetString()!).ToList();
    }

    private static TimeSpan? TimeLimit(JsonElement e, string path, int line)
    {
        if (!e.TryGetProperty("time_limit", out var t) || t.ValueKind == JsonValueKind.Null) return null;
        if (t.ValueKind != JsonValueKind.Object) throw new DatasetException(path, line, "field 'time_limit' must be {seconds, nanos}");
        double seconds = 0;
        if (t.TryGetProperty("seconds", out var s))
            seconds += s.ValueKind == JsonValueKind.Number ? s.GetDouble() : throw new DatasetException(path, line, "field 'time_limit.seconds' must be a number");
        if (t.TryGetProperty("nanos", out var n))
            seconds += n.ValueKind == JsonValueKind.Number ? n.GetDouble() / 1e9 : throw new DatasetException(path, line, "field 'time_limit.nanos' must be a number");
        if (seconds < 0) throw new DatasetException(path, line, "field 'time_limit' is negative");
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : null; // 0: the record gives no limit
    }

    private static int? MemoryLimit(JsonElement e, string path, int line)
    {
        if (!e.TryGetProperty("memory_limit_bytes", out var m) || m.ValueKind == JsonValueKind.Null) return null;
        if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt64(out var bytes) || bytes < 0)
            throw new DatasetException(path, line, "field 'memory_limit_bytes' must be a whole number of bytes");
        return bytes == 0 ? null : (int)Math.Ceiling(bytes / (1024.0 * 1024.0));
    }

    /// <summary>The distinct languages of the record's solutions (python2, cpp, python3, java), and its first Python 3 and C++ solutions.</summary>
    private static ImmutableArray<string> SolutionLanguages(JsonElement e, string path, int line, out string? python3, out string? cpp)
    {
        python3 = cpp = null;
        if (!e.TryGetProperty("solutions", out var s) || s.ValueKind == JsonValueKind.Null) return [];
        if (s.ValueKind != JsonValueKind.Object) throw new DatasetException(path, line, "field 'solutions' must be {language: [...], solution: [...]}");
        var langs = s.TryGetProperty("language", out var l) && l.ValueKind == JsonValueKind.Array
            ? l.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetRawText() : x.GetString() ?? "").ToList() : [];
        var code = s.TryGetProperty("solution", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
        var names = langs.Select(x => LanguageNames.TryGetValue(x, out var n) ? n : x.ToLowerInvariant()).ToList();
        for (int i = 0; i < Math.Min(names.Count, code.Count); i++)
        {
            if (names[i] == "python3") python3 ??= code[i];
            if (names[i] == "cpp") cpp ??= code[i];
        }
        return [.. names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
