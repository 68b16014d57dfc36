using System.Collections.Concurrent;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Activities.Tests.CodeT;

/// <summary>GenerateTests and the group rankings end to end on HumanEval/0, with scripted answers and the replay pools.</summary>
public sealed class GenerateTestsAndRankTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-codet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Compiling = "has_close_elements([1.0, 2.0], 0.5) == False\nassert has_close_elements([1.0, 1.1], 0.5) == True\n";

    private async Task<(ExperimentResult Result, IReadOnlyList<Candidate> Seen)> RunAsync(string drafts, string tests, string strategy = "codet", string testModel = "scripted", int testSamples = 2)
    {
        var script = Path.Combine(_dir, "script.yaml");
        await File.WriteAllTextAsync(script, $$"""
            on_exhausted: fail
            rules:
            - name: draft
              stage: draft
              answers: {{drafts}}
            - name: tests
              stage: tests
              answers: {{tests}}
            """);
        var replay = string.Join(", ", new[] { "codegen16B_code_samples.jsonl.gz", "codegen16B_test_samples.jsonl.gz" }.Select(f => Path.Combine(CodeTPools.Data, "humaneval", f)));
        var workflow = Path.Combine(_dir, "codet-test.yaml");
        await File.WriteAllTextAsync(workflow, $$"""
            id: codet-test
            experiment:
              dataset: humaneval-no-examples
              problems: "0"
              judge_timeout_ms: 100
              models:
                scripted: {provider: scripted, file: {{script}}}
                replay: {provider: replay, model: codegen-16B-mono, files: [{{replay}}]}
            activities:
            - id: draft
              type: Seidr.Draft
              inputs: {model: scripted, prompt: humaneval/complete, drafts_per_prompt: 2, output: completion}
            - id: tests
              type: Seidr.GenerateTests
              inputs: {model: {{testModel}}, prompt: humaneval/tests-codet, samples: {{testSamples}}, extraction: codet, per_sample: 5}
            - id: execute
              type: Seidr.Execute
              inputs: {tests: generated, timeout_ms: 100}
            - id: rank
              type: Seidr.Rank
              inputs: {strategy: {{strategy}}, beam_width: 1, keep_parents: false}
            - id: submit
              type: Seidr.Submit
            connections:
            - draft.Done -> execute
            - tests.Done -> execute
            - execute.Done -> rank
            - rank.Beam -> submit
            - rank.Solved -> submit
            """);
        var created = new ConcurrentBag<Candidate>();
        var result = await ExperimentRunner.RunAsync(new ExperimentOptions
        {
            WorkflowPath = workflow,
            Configuration = CodeTPools.Configuration,
            OnWarning = _ => { },
            Observers = [new DelegateObserver(e =>
            {
                if (e is CandidateCreated c) created.Add(c.Candidate);
                if (e is CandidateScored { Candidate.Kind: CandidateKinds.TestSet } s) created.Add(s.Candidate);
            })],
        });
        return (result, created.ToList());
    }

    private static string Yaml(params string[] answers) => "[" + string.Join(", ", answers.Select(a => "\"" + a.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\"", "\\\"") + "\"")) + "]";

    [Fact]
    public async Task Tests_that_do_not_compile_are_dropped_and_counted_and_the_agreeing_program_is_submitted()
    {
        var (result, created) = await RunAsync(
            Yaml("    return True\n", "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"),
            Yaml(Compiling + "assert has_close_elements([1.0, 1.1], 0.5 == True\n", "has_close_elements([1.0, 2.0, 3.0], 0.5) == False\n"));
        var sets = created.Where(c => c.Kind == CandidateKinds.TestSet && c.Tags.ContainsKey("tests")).OrderBy(c => c.Id).ToList();
        sets.Select(s => (s.Tags["tests"], s.Tags["dropped"])).Should().Equal(("2", "1"), ("1", "0"));

        var flow = result.Run.Variants.Single().Flows.Single();
        flow.Status.Should().Be(FlowStatus.Completed);
        flow.Submission.Should().ContainSingle().Which.Content.Should().Contain("enumerate(numbers)");
        flow.Hidden.Should().ContainSingle().Which.Passed.Should().BeTrue();
        flow.Flags["codet_fallback"].Should().BeFalse();
    }

    [Fact]
    public async Task When_no_program_passes_any_test_the_whole_pool_is_submitted_and_the_fallback_is_flagged()
    {
        var (result, _) = await RunAsync(Yaml("    raise ValueError\n", "    return 1 / 0\n"), Yaml(Compiling, Compiling));
        var flow = result.Run.Variants.Single().Flows.Single();
        flow.Submission.Should().HaveCount(2);
        flow.Flags["codet_fallback"].Should().BeTrue();
        result.Run.Variants.Single().Metrics["pass@1"].Should().Be(0);
    }

    [Fact]
    public async Task Empty_completions_are_failing_samples_and_without_tests_the_pool_is_submitted_as_one_group()
    {
        var (result, created) = await RunAsync(Yaml("", ""), Yaml("", "\n"), strategy: "behaviour");
        created.Where(c => c.Kind == CandidateKinds.Program).Should().HaveCount(2, "an empty completion is a sample (the prompt alone), as CodeT counts it")
            .And.OnlyContain(c => c.Content.TrimEnd().EndsWith("\"\"\"", StringComparison.Ordinal));
        created.Should().NotContain(c => c.Kind == CandidateKinds.TestSet, "empty test samples give no test set");
        var flow = result.Run.Variants.Single().Flows.Single();
        flow.Status.Should().Be(FlowStatus.Completed);
        flow.Submission.Should().HaveCount(2);
        flow.Hidden.Should().OnlyContain(v => !v.Passed);
        flow.Flags["behaviour_fallback"].Should().BeTrue();
        result.Run.Variants.Single().Metrics["solved"].Should().Be(0);
    }

    [Fact]
    public async Task Asking_the_replay_pool_for_more_test_samples_than_recorded_fails_the_flow_and_says_so()
    {
        var (result, _) = await RunAsync(Yaml("    return True\n", "    return False\n"), Yaml(Compiling), testModel: "replay", testSamples: 101);
        var flow = result.Run.Variants.Single().Flows.Single();
        flow.Status.Should().Be(FlowStatus.Failed);
        flow.Error.Should().Contain("exhausted");
    }

    [Theory]
    [InlineData("Input:\n3\n1 2 3\nOutput:\n6\n\nInput:\n1\n5\nExpected output:\n5\n", 2, 0)]
    [InlineData("**Input:**\n```\n2\n```\n**Output:**\n```\n4\n```\nInput:\n7\n", 1, 1)]
    [InlineData("Output:\n1\nInput:\n2\nOutput:\n2\n", 1, 1)]
    [InlineData("no pairs here", 0, 0)]
    public void Input_output_pairs_are_parsed_and_incomplete_ones_counted(string text, int pairs, int dropped)
    {
        var (parsed, lost) = global::Seidr.Workflows.Activities.Stages.GenerateTests.ParseIoPairs(text);
        parsed.Should().HaveCount(pairs);
        lost.Should().Be(dropped);
        if (pairs > 0) parsed[0].Input.Should().NotStartWith("```").And.EndWith("\n");
    }
}
