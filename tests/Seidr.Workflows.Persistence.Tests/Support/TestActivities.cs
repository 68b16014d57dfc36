using System.Globalization;
using Seidr.Workflows.Catalog;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Problems;
using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Persistence.Tests.Support;

/// <summary>Drafts programs with an instant "model": deterministic content from the problem and the sample.</summary>
[Activity("Test", "Draft")]
[Outcome("Done")]
[Outcome("Exhausted")]
public sealed class TestDraft : Activity
{
    [Input] public int Count { get; set; } = 2;

    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var made = new List<Candidate>();
        for (int i = 0; i < Math.Min(Count, context.Budget.ProgramsLeft); i++)
            made.Add(context.Create(CandidateKinds.Program, $"def f():\n    return {context.Problem.Id.Length + i + context.Iteration}\n", model: "instant", prompt: "draft", key: i.ToString(CultureInfo.InvariantCulture)));
        context.RecordModelCall(new ModelUsage("instant", 1, 50, 10 * made.Count, 0.001m, TimeSpan.FromMilliseconds(1), false) { Prompt = "draft", Answers = made.Select(c => c.Content).ToList() });
        return Task.FromResult(ActivityResult.Of("Done", made));
    }
}

/// <summary>Scores programs: passes all tests when the returned number is divisible by 3 (so some problems are solved).</summary>
[Activity("Test", "Score", Spends = false)]
[Outcome("Done")]
public sealed class TestScore : Activity
{
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context) =>
        Task.FromResult(ActivityResult.Of("Done", context.Input.Programs.Select(p =>
        {
            var n = int.Parse(p.Content.Split("return ")[1].Trim(), CultureInfo.InvariantCulture);
            bool ok = n % 3 == 0;
            return context.Scored(p with
            {
                Score = ok ? 1.0 : 0.5,
                Results = [new TestResult("assert f() % 3 == 0", ok ? TestStatus.Passed : TestStatus.Failed) { Expected = "0", Actual = (n % 3).ToString(CultureInfo.InvariantCulture) },
                           new TestResult("assert f() > 0", TestStatus.Passed)],
            });
        })));
}

/// <summary>Solved when a program passed; else explains the best and asks for a repair.</summary>
[Activity("Test", "Rank", Spends = false)]
[Outcome("Solved")]
[Outcome("Beam")]
[Outcome("Exhausted")]
public sealed class TestRank : Activity
{
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var best = context.Input.Programs.OrderByDescending(p => p.Score).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
        if (best.Any(p => p.PassedAll)) return Task.FromResult(ActivityResult.Of("Solved", best.Where(p => p.PassedAll).Take(1)));
        if (context.Budget.IsExhausted) return Task.FromResult(ActivityResult.Of("Exhausted", best.Take(1)));
        return Task.FromResult(ActivityResult.Of("Beam", best.Take(1)));
    }
}

/// <summary>Explanation then repair (SEIDR's debug step): an explanation candidate, then a program whose parent is the explanation.</summary>
[Activity("Test", "Repair")]
[Outcome("Done")]
[Outcome("Exhausted")]
public sealed class TestRepair : Activity
{
    public override Task<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var made = new List<Candidate>();
        foreach (var p in context.Input.Programs)
        {
            var n = int.Parse(p.Content.Split("return ")[1].Trim(), CultureInfo.InvariantCulture);
            var explanation = context.Create(CandidateKinds.Explanation, $"f returns {n}, which is not divisible by 3", p, "instant", "explain", key: "e" + p.Id.Replace('#', '_'));
            made.Add(context.Create(CandidateKinds.Program, $"def f():\n    return {n + 1}\n", explanation, "instant", "repair", key: "r" + p.Id.Replace('#', '_')));
        }
        context.RecordModelCall(new ModelUsage("instant", 1, 80, 30, 0.002m, TimeSpan.FromMilliseconds(1), false));
        return Task.FromResult(ActivityResult.Of("Done", made));
    }
}

public static class TestWorkflow
{
    public const string Yaml = """
        id: store-test
        name: Store test
        experiment:
          dataset: test
          seed: 7
          concurrency: 4
          matrix:
            drafts: ["1", "2"]
          budget:
            max_programs: 6
        activities:
        - id: draft
          type: Test.Draft
          inputs:
            count: ${drafts}
        - id: score
          type: Test.Score
        - id: rank
          type: Test.Rank
        - id: repair
          type: Test.Repair
        - id: submit
          type: Seidr.Submit
        connections:
        - draft.Done -> score
        - score.Done -> rank
        - rank.Beam -> repair
        - repair.Done -> score
        - rank.Solved -> submit
        - rank.Exhausted -> submit
        - repair.Exhausted -> submit
        """;

    public static Definitions.WorkflowDefinition Definition { get; } = YamlWorkflowFormat.Read(Yaml, "store-test.yaml").RequireDefinition();
    public static ActivityCatalog Catalog { get; } = ActivityCatalog.FromAssemblies(typeof(Submit).Assembly, typeof(TestDraft).Assembly);

    public static IReadOnlyList<Problem> Problems(int n) =>
        Enumerable.Range(0, n).Select(i => new Problem { Id = $"P{i}" + new string('x', i % 4), Dataset = "test", Prompt = $"problem {i}" }).ToList();

    public static IReadOnlyList<Variant> Variants => MatrixExpander.Expand(Definition.Experiment.Matrix);

    public static RunStart Start(string runId, IReadOnlyList<Problem> all, IReadOnlyList<Problem>? mine = null, string text = Yaml, (int, int)? shard = null) => new()
    {
        RunId = runId, WorkflowId = Definition.DefinitionId, WorkflowName = Definition.Name, WorkflowPath = "/tmp/store-test.yaml", WorkflowText = text,
        MatrixJson = "{}", Settings = new RunSettings { K = [1] }, Seed = 7, Variants = Variants,
        AllProblems = all.Select(p => new ProblemInfo(p.Id, p.Dataset, null, p.Prompt)).ToList(),
        Problems = (mine ?? all).Select(p => p.Id).ToList(), Shard = shard ?? (0, 1),
    };
}
