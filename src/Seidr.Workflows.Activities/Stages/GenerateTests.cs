using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Activities.Support;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Execution;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Activities.Stages;

/// <summary>
/// Asks a model for test cases of the problem: one test-set candidate per sample. Assert lines for function
/// problems, input/output pairs for stdin/stdout problems. Every test is parsed and checked before use; a test
/// that does not compile (or an incomplete pair) is dropped and counted in the set's <c>dropped</c> tag.
/// </summary>
[Activity("Seidr", "GenerateTests", Category = "Synthesis", DisplayName = "Generate tests", Description = "Asks a model for test cases (one test set per sample): assert lines for function problems, input/output pairs for stdin problems; tests that do not compile are dropped and counted.")]
public sealed partial class GenerateTests : Activity
{
    /// <summary>The input with the new test sets added.</summary>
    [Outcome(Description = "The input with the new test sets added.")]
    public const string Done = Ports.Done;

    /// <summary>The budget was spent before generating.</summary>
    [Outcome(Description = "The budget was spent before generating.")]
    public const string Exhausted = Ports.Exhausted;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The model that writes the tests (a name under experiment.models).</summary>
    [Input(Required = true, Reference = InputReference.Model, Description = "The model that writes the tests (a name under experiment.models).", Order = 0)]
    public string Model { get; set; } = "";

    /// <summary>
    /// Prompt file under prompts/ (without extension); the default, generate-tests, asks for asserts and is replaced by
    /// generate-io-tests (input/output cases) for stdin/stdout problems.
    /// </summary>
    [Input(Reference = InputReference.Prompt, Description = "Prompt file under prompts/ (without extension); the default, generate-tests, asks for asserts and is replaced by generate-io-tests (input/output cases) for stdin/stdout problems.", Order = 1)]
    public string Prompt { get; set; } = DefaultPrompt;

    /// <summary>The default prompt (asserts about the entry point), and the one used instead for stdin/stdout problems, which have no function to call.</summary>
    public const string DefaultPrompt = "generate-tests", IoPrompt = "generate-io-tests";

    /// <summary>Test samples asked for per problem; each becomes one test set.</summary>
    [Input(Description = "Test samples asked for per problem; each becomes one test set.", Min = 1, Order = 2)]
    public int Samples { get; set; } = 1;

    /// <summary>
    /// How a sample becomes tests: 'codet' (CodeT's rule: split on 'assert ', keep parts naming the entry point, cut at
    /// the stop strings, keep those that compile inside try/except), 'asserts' (the assert statements of the answer's
    /// code, naming the entry point, that compile), 'io' (input:/output: pairs for stdin problems), 'auto' (io for
    /// stdin problems, else asserts).
    /// </summary>
    [Input(Description = "How a sample becomes tests: 'codet' (CodeT's rule: split on 'assert ', keep parts naming the entry point, cut at the stop strings, keep those that compile inside try/except), " +
        "'asserts' (the assert statements of the answer's code, naming the entry point, that compile), 'io' (input:/output: pairs for stdin problems), 'auto' (io for stdin problems, else asserts).",
        Options = ["auto", "codet", "asserts", "io"], Order = 3)]
    public string Extraction { get; set; } = "auto";

    /// <summary>Tests kept per sample, the first ones (CodeT: 5); 0 keeps all.</summary>
    [Input(Description = "Tests kept per sample, the first ones (CodeT: 5); 0 keeps all.", Min = 0, Order = 4)]
    public int PerSample { get; set; }

    /// <summary>Index of the first sample asked for (for replaying a recorded pool from a given sample).</summary>
    [Input(Description = "Index of the first sample asked for (for replaying a recorded pool from a given sample).", Min = 0, Order = 5)]
    public int SampleOffset { get; set; }

    /// <inheritdoc/>
    public override async Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var problem = context.Problem;
        var variables = ModelStage.ProblemVariables(problem);
        var prompt = Prompt == DefaultPrompt && problem.Shape == ProblemShape.StdinStdout ? IoPrompt : Prompt;
        var response = await ModelStage.CompleteAsync(context, Model, prompt, variables, Samples, SampleOffset + context.Iteration * Samples);
        context.AddMeasure("test_samples", Samples);
        var extraction = Extraction == "auto" ? (problem.Shape == ProblemShape.StdinStdout ? "io" : "asserts") : Extraction;

        // Candidates per sample, then one compile check for all of them.
        // A blank answer gives no test set and is counted as dropped (Answers), as is one with no usable test below.
        var answered = Answers.Usable(context, response, CandidateKinds.TestSet);
        var perSample = answered.Select(s => Extract(extraction, s.Text, problem.EntryPoint ?? "")).ToList();
        var asserts = perSample.SelectMany(e => e.Tests.OfType<AssertTest>().Select(a => extraction == "codet" ? CodeTRules.CompileProbe(a.Code) : a.Code)).Distinct(StringComparer.Ordinal).ToList();
        var compiles = asserts.Count == 0 ? new Dictionary<string, bool>()
            : (await PythonSyntax.CompilesAsync(context.GetRequiredService<SandboxRunner>(), context.GetRequiredService<RunVerdicts>(), asserts, context.CancellationToken))
                .Select((ok, i) => (asserts[i], ok)).ToDictionary(x => x.Item1, x => x.ok, StringComparer.Ordinal);

        var sets = new List<Candidate>();
        foreach (var (sample, extracted) in answered.Zip(perSample))
        {
            var valid = extracted.Tests.Where(t => t is not AssertTest a || compiles[extraction == "codet" ? CodeTRules.CompileProbe(a.Code) : a.Code]).ToList();
            var dropped = extracted.Dropped + extracted.Tests.Count - valid.Count;
            if (PerSample > 0 && valid.Count > PerSample) valid = valid.Take(PerSample).ToList();
            if (valid.Count == 0)
            {
                Answers.CountDropped(context, 1); // a sample without a usable test adds no set (CodeT: an empty list)
                continue;
            }
            var index = sample.Index.ToString(CultureInfo.InvariantCulture);
            // Reported again once tagged, so observers (run store, progress) see the counts.
            sets.Add(context.Scored(context.Create(CandidateKinds.TestSet, JsonSerializer.Serialize(valid, Json), model: Model, prompt: prompt, key: index)
                .WithTag("sample", index)
                .WithTag("tests", valid.Count.ToString(CultureInfo.InvariantCulture))
                .WithTag("dropped", dropped.ToString(CultureInfo.InvariantCulture))));
        }
        return ActivityResult.Of(Done, context.Input.Concat(sets));
    }

    private sealed record Extracted(List<TestSpec> Tests, int Dropped);

    private static Extracted Extract(string extraction, string text, string entryPoint) => extraction switch
    {
        "codet" => new([.. CodeTRules.SplitTestCases(text, entryPoint).Select(c => new AssertTest(c))], 0),
        "io" => ParsePairs(text),
        _ => Asserts(text, entryPoint),
    };

    private static Extracted Asserts(string text, string entryPoint)
    {
        var all = CodeText.ExtractAsserts(text);
        var named = all.Where(a => entryPoint.Length == 0 || a.Contains(entryPoint, StringComparison.Ordinal)).Select(a => (TestSpec)new AssertTest(a)).ToList();
        return new(named, all.Count - named.Count);
    }

    [GeneratedRegex(@"^[ \t]*(?:#+[ \t]*)?(?:\*\*)?(input|output|expected output)(?:\*\*)?[ \t]*:?[ \t]*(?:\*\*)?[ \t]*$", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex PairLabel();

    /// <summary>
    /// Input/output pairs: sections labelled <c>Input:</c> and <c>Output:</c> (or <c>Expected output:</c>) on lines
    /// of their own, each followed by its text (a fenced block or the lines up to the next label). An input without
    /// an output (or the reverse) is dropped and counted.
    /// </summary>
    internal static (IReadOnlyList<IoTest> Pairs, int Dropped) ParseIoPairs(string text)
    {
        var labels = PairLabel().Matches(text);
        var pairs = new List<IoTest>();
        int dropped = 0;
        string? pendingInput = null;
        for (int i = 0; i < labels.Count; i++)
        {
            var start = labels[i].Index + labels[i].Length;
            var end = i + 1 < labels.Count ? labels[i + 1].Index : text.Length;
            var body = SectionText(text[start..end]);
            var isInput = labels[i].Groups[1].Value.Equals("input", StringComparison.OrdinalIgnoreCase);
            if (isInput)
            {
                if (pendingInput is not null) dropped++;
                pendingInput = body;
            }
            else if (pendingInput is null) dropped++;
            else
            {
                pairs.Add(new IoTest(pendingInput, body));
                pendingInput = null;
            }
        }
        if (pendingInput is not null) dropped++;
        return (pairs, dropped);
    }

    private static Extracted ParsePairs(string text)
    {
        var (pairs, dropped) = ParseIoPairs(text);
        return new([.. pairs], dropped);
    }

    private static string SectionText(string section)
    {
        var open = section.IndexOf("```", StringComparison.Ordinal);
        if (open >= 0)
        {
            var lineEnd = section.IndexOf('\n', open);
            var close = lineEnd < 0 ? -1 : section.IndexOf("```", lineEnd, StringComparison.Ordinal);
            if (lineEnd >= 0) return (close < 0 ? section[(lineEnd + 1)..] : section[(lineEnd + 1)..close]).TrimEnd() + "\n";
        }
        var trimmed = section.Trim('\n', '\r');
        return trimmed.Length == 0 ? "" : trimmed.TrimEnd() + "\n";
    }
}
