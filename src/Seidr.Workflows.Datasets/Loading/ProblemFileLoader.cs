using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Seidr.Workflows.Problems;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Seidr.Workflows.Datasets.Loading;

/// <summary>
/// Problem files a user writes or brings: a YAML problem file (<c>.yaml</c>/<c>.yml</c>), a PSB2 folder (a problem
/// folder with <c>&lt;name&gt;-edge.json</c> and <c>&lt;name&gt;-random.json</c>, or a folder of such folders), or JSON
/// lines in HumanEval form (<c>.jsonl</c>, <c>.jsonl.gz</c>).
/// </summary>
/// <remarks>
/// YAML problem file:
/// <code>
/// name: my-problems            # optional, recorded as the dataset name
/// problems:
/// - id: add                     # required, unique
///   description: Return the sum of two integers.
///   signature: "def add(a: int, b: int) -> int:"     # function problem (entry point from the def)
///   examples:                   # visible tests: shown to stages
///   - assert add(1, 2) == 3
///   tests:                      # hidden tests: final metrics only
///   - assert add(-5, 5) == 0
/// - id: echo                    # stdin/stdout problem: no signature, tests are {input, output}
///   language: cpp               # optional: python (default) or cpp
///   description: Print the line read from standard input.
///   examples: [{input: "hi\n", output: "hi\n"}]
///   tests: [{input: "x\n", output: "x\n"}]
/// </code>
/// A test is an assert statement, <c>{input, output}</c> (stdin/stdout), or <c>{check: "def check(candidate): ..."}</c>
/// (HumanEval style). Optional per problem: <c>prompt</c> (the text given as it is, instead of the signature with the
/// description as docstring), <c>entry_point</c>, <c>answer</c>, <c>extra</c> (string map for prompts).
/// </remarks>
public static partial class ProblemFileLoader
{
    /// <summary>Whether the path looks like a problem file (YAML or JSON Lines) or a PSB2 folder, judged by its name (a file) or its subfolders (a folder) without reading it.</summary>
    public static bool CanLoad(string path) =>
        Directory.Exists(path) ? Psb2Loader.Folders(path).Count > 0
        : path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
          || path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Loads a problem file or folder. <paramref name="psb2Split"/> says which PSB2 cases are visible and hidden (default:
    /// every edge case visible, every random case hidden); <paramref name="psb2Tasks"/> is PSB2's tasks.txt, the
    /// descriptions of problems whose folder has none.
    /// </summary>
    public static IReadOnlyList<Problem> Load(string path, Psb2Split? psb2Split = null, string? psb2Tasks = null)
    {
        if (Directory.Exists(path)) return Psb2Loader.Load(path, psb2Split, psb2Tasks);
        if (!File.Exists(path)) throw new DatasetException(path, 0, "no such file or folder");
        if (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            return LoadYaml(path);
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
            return CodeContestsLoader.IsCodeContests(path) ? CodeContestsLoader.Load(path) : HumanEvalLoader.Load(path, Path.GetFileNameWithoutExtension(path));
        throw new DatasetException(path, 0, "not a problem file this version reads (.yaml, .yml, .jsonl, .jsonl.gz, or a PSB2 folder)");
    }

    // ---------------------------------------------------------------- YAML problem files

    [GeneratedRegex(@"^\s*(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(")]
    private static partial Regex DefLine();

    private static IReadOnlyList<Problem> LoadYaml(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new DatasetException(path, (int)e.Start.Line, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new DatasetException(path, 1, "a problem file is a mapping with a 'problems:' list");
        var dataset = Text(path, root, "name") ?? Path.GetFileNameWithoutExtension(path);
        CheckKeys(path, root, "problems", "name", "description");
        if (Child(root, "problems") is not YamlSequenceNode list || list.Children.Count == 0)
            throw new DatasetException(path, Line(root), "field 'problems' is missing or not a non-empty list");

        var problems = new List<Problem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in list.Children)
        {
            if (node is not YamlMappingNode p) throw new DatasetException(path, Line(node), "each problem is a mapping (id, description, signature, examples, tests)");
            var problem = ReadProblem(path, dataset, p);
            if (!ids.Add(problem.Id)) throw new DatasetException(path, Line(p), $"problem id '{problem.Id}' is used twice");
            problems.Add(problem);
        }
        return problems;
    }

    private static Problem ReadProblem(string path, string dataset, YamlMappingNode p)
    {
        CheckKeys(path, p, "id", "description", "signature", "prompt", "entry_point", "examples", "tests", "answer", "extra", "language");
        var language = Text(path, p, "language") ?? "python";
        if (language is not ("python" or "cpp"))
            throw new DatasetException(path, Line(Child(p, "language")!), $"field 'language' must be python or cpp, not '{language}'");
        var id = Text(path, p, "id") ?? throw new DatasetException(path, Line(p), "field 'id' is missing");
        var description = Text(path, p, "description");
        var signature = Text(path, p, "signature");
        var prompt = Text(path, p, "prompt");
        var entryPoint = Text(path, p, "entry_point");
        if (description is null && prompt is null)
            throw new DatasetException(path, Line(p), $"problem '{id}': give a 'description' (or a 'prompt')");
        if (signature is not null)
        {
            var m = DefLine().Match(signature);
            if (!m.Success) throw new DatasetException(path, Line(Child(p, "signature")!), $"problem '{id}': field 'signature' must be a Python def line, e.g. \"def add(a: int, b: int) -> int:\"");
            entryPoint ??= m.Groups[1].Value;
        }
        var examples = Tests(path, id, p, "examples");
        var hidden = Tests(path, id, p, "tests");
        if (hidden.IsEmpty) throw new DatasetException(path, Line(p), $"problem '{id}': field 'tests' (the hidden tests) is missing or empty");
        var io = examples.Concat(hidden).Any(t => t is IoTest);
        if (io && entryPoint is not null)
            throw new DatasetException(path, Line(p), $"problem '{id}': stdin/stdout tests ({{input, output}}) cannot be mixed with a function signature");
        if (!io && entryPoint is null && examples.Concat(hidden).Any(t => t is AssertTest))
            throw new DatasetException(path, Line(p), $"problem '{id}': assert tests need a 'signature' (or 'entry_point') naming the function under test");

        prompt ??= signature is not null ? FunctionPrompt(signature, description!) : StdioPrompt(description!);
        var extra = ImmutableDictionary.CreateBuilder<string, string>();
        if (Child(p, "extra") is { } extraNode)
        {
            if (extraNode is not YamlMappingNode map) throw new DatasetException(path, Line(extraNode), $"problem '{id}': field 'extra' must be a mapping of strings");
            foreach (var (k, v) in map.Children)
                extra[((YamlScalarNode)k).Value!] = v is YamlScalarNode s ? s.Value ?? "" : throw new DatasetException(path, Line(v), $"problem '{id}': extra values must be strings");
        }
        return new Problem
        {
            Id = id,
            Dataset = dataset,
            Prompt = prompt,
            Description = description,
            Shape = io ? ProblemShape.StdinStdout : ProblemShape.Function,
            EntryPoint = io ? null : entryPoint,
            Visible = examples,
            Hidden = hidden,
            Answer = Text(path, p, "answer"),
            Extra = extra.ToImmutable(),
            Language = language,
        };
    }

    /// <summary>The signature with the description as its docstring, indented as Python expects.</summary>
    private static string FunctionPrompt(string signature, string description)
    {
        var sig = signature.TrimEnd();
        if (!sig.EndsWith(':')) sig += ":";
        var body = string.Join("\n", description.Trim().Split('\n').Select(l => l.Length == 0 ? "" : "    " + l.TrimEnd()));
        return $"{sig}\n    \"\"\"\n{body}\n    \"\"\"\n";
    }

    /// <summary>The text of a stdin/stdout problem: its description and what the program does (in any language: prompts name it).</summary>
    public static string StdioPrompt(string description) =>
        description.TrimEnd() + "\n\nWrite a complete program that reads the input from standard input and writes the answer to standard output.\n";

    private static ImmutableArray<TestSpec> Tests(string path, string id, YamlMappingNode p, string field)
    {
        var node = Child(p, field);
        if (node is null) return [];
        if (node is not YamlSequenceNode seq) throw new DatasetException(path, Line(node), $"problem '{id}': field '{field}' must be a list of tests");
        var tests = ImmutableArray.CreateBuilder<TestSpec>();
        foreach (var t in seq.Children)
        {
            switch (t)
            {
                case YamlScalarNode s when (s.Value ?? "").TrimStart().StartsWith("assert", StringComparison.Ordinal):
                    tests.Add(new AssertTest(s.Value!.Trim()));
                    break;
                case YamlMappingNode m when Child(m, "input") is not null || Child(m, "output") is not null:
                    CheckKeys(path, m, "input", "output");
                    var input = Text(path, m, "input") ?? throw new DatasetException(path, Line(m), $"problem '{id}': a stdin/stdout test needs 'input'");
                    var output = Text(path, m, "output") ?? throw new DatasetException(path, Line(m), $"problem '{id}': a stdin/stdout test needs 'output'");
                    tests.Add(new IoTest(input, output));
                    break;
                case YamlMappingNode m when Child(m, "check") is not null:
                    CheckKeys(path, m, "check", "entry_point");
                    var entry = Text(path, m, "entry_point") ?? Text(path, p, "entry_point")
                        ?? (Text(path, p, "signature") is { } sig && DefLine().Match(sig) is { Success: true } d ? d.Groups[1].Value : null)
                        ?? throw new DatasetException(path, Line(m), $"problem '{id}': a check test needs the problem's signature or entry_point");
                    tests.Add(new CheckTest(Text(path, m, "check")!, entry));
                    break;
                default:
                    throw new DatasetException(path, Line(t), $"problem '{id}': a test in '{field}' must be an assert statement, {{input, output}} or {{check}}");
            }
        }
        return tests.ToImmutable();
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Text(string path, YamlMappingNode map, string key) => Child(map, key) switch
    {
        null => null,
        YamlScalarNode s => s.Value,
        var other => throw new DatasetException(path, Line(other), $"field '{key}' must be text"),
    };

    private static void CheckKeys(string path, YamlMappingNode map, params string[] known)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(name, StringComparer.Ordinal))
                throw new DatasetException(path, Line(key), $"unknown field '{name}' (known here: {string.Join(", ", known)})");
        }
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;
}
