using System.Text.Json.Nodes;
using Seidr.Workflows.Activities.Tests.Stages.Support;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Runtime;

namespace Seidr.Workflows.Activities.Tests.Stages;

/// <summary>
/// The experiment files of workflows/ run end to end (scripted model; the replay model where a file has a replay
/// variant) through the runtime, as `seidr run` does, and their summary.json says what the scripts make happen.
/// </summary>
public class WorkflowFileTests
{
    private static async Task<(ExperimentResult Result, JsonObject Summary, Dictionary<string, JsonObject> Metrics, List<JsonObject> Flows)> RunAsync(string file, string? problems = null)
    {
        var output = Path.Combine(Path.GetTempPath(), "seidr-workflow-tests", Path.GetFileNameWithoutExtension(file));
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var result = await ExperimentRunner.RunAsync(new ExperimentOptions
        {
            WorkflowPath = Repo.Path("workflows", file),
            OutputDirectory = output,
            Problems = problems,
            Cache = Models.Cache.CacheMode.Off,
            OnWarning = _ => { },
        });
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "summary.json")))!.AsObject();
        var metrics = summary["variants"]!.AsArray().ToDictionary(v => v!["id"]!.GetValue<string>(), v => v!["metrics"]!.AsObject());
        var flows = File.ReadAllLines(Path.Combine(output, "flows.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        return (result, summary, metrics, flows);
    }

    private static double M(JsonObject metrics, string name) =>
        metrics.TryGetPropertyValue(name, out var v) && v is not null ? v.GetValue<double>() : throw new KeyNotFoundException($"metric '{name}' missing; have {string.Join(", ", metrics.Select(m => m.Key))}");

    private static JsonObject Flow(List<JsonObject> flows, string variant, string problem) =>
        flows.Single(f => f["variant"]!.GetValue<string>() == variant && f["problem"]!.GetValue<string>() == problem);

    [Fact]
    public async Task Seidr_repairs_what_it_can_and_spends_the_budget_on_the_rest()
    {
        var (run, summary, metrics, flows) = await RunAsync("seidr.yaml");
        summary["status"]!.GetValue<string>().Should().Be("completed");
        metrics.Keys.Should().BeEquivalentTo("ranking=score,branching=2", "ranking=lexicase,branching=2");
        foreach (var (variant, m) in metrics)
        {
            M(m, "problems").Should().Be(5);
            M(m, "failed_flows").Should().Be(0);
            M(m, "solved_by_generated_tests").Should().Be(4, $"{variant}: HumanEval/0-3 pass their examples, /4 never does");
            M(m, "solved_by_hidden_tests").Should().Be(3, $"{variant}: HumanEval/0's program passes the examples but not the hidden tests");
            M(m, "pass@1").Should().BeApproximately(0.6, 1e-9);
            M(m, "budget_exhausted").Should().Be(1);
            Flow(flows, variant, "HumanEval/4")["programs"]!.GetValue<int>().Should().Be(100, "the loop stops at max_programs");
            Flow(flows, variant, "HumanEval/2")["programs"]!.GetValue<int>().Should().Be(2, "a draft passed: nothing to repair");
            Flow(flows, variant, "HumanEval/2")["calls"]!.GetValue<int>().Should().Be(1);
            // HumanEval/1: 2 drafts, 2 beam programs x 2 explanations x 2 repairs (one per pair is prose, dropped).
            Flow(flows, variant, "HumanEval/1")["solvedByHiddenTests"]!.GetValue<bool>().Should().BeTrue();
        }
        var best = run.Run.Variants[0].Flows.Single(f => f.Key.ProblemId == "HumanEval/3").Submission[0];
        best.Generation.Should().Be(1, "the first repair generation fixed it");
        best.Stage.Should().Be("repair");
        best.ParentId.Should().StartWith("explain#0.");
    }

    [Fact]
    public async Task Seidr_psb2_solves_stdin_problems_in_python_and_cpp_through_compile_errors_and_wrong_outputs()
    {
        var (run, summary, metrics, flows) = await RunAsync("seidr-psb2.yaml");
        summary["status"]!.GetValue<string>().Should().Be("completed");
        metrics.Keys.Should().BeEquivalentTo("language=python,ranking=lexicase", "language=python,ranking=score", "language=cpp,ranking=lexicase", "language=cpp,ranking=score");
        foreach (var (variant, m) in metrics)
        {
            M(m, "problems").Should().Be(3);
            M(m, "solved_by_hidden_tests").Should().Be(3, $"{variant}: every problem is solved, judged on its 10 hidden test cases");
            M(m, "programs").Should().Be(10);
            M(m, "calls").Should().Be(11);
        }
        foreach (var ranking in new[] { "lexicase", "score" })
        {
            Flow(flows, $"language=python,ranking={ranking}", "PSB2/fizz-buzz")["programs"]!.GetValue<int>().Should().Be(2, "a Python draft is right");
            Flow(flows, $"language=cpp,ranking={ranking}", "PSB2/fizz-buzz")["programs"]!.GetValue<int>().Should().Be(4, "both C++ drafts are repaired (one did not compile)");
            Flow(flows, $"language=cpp,ranking={ranking}", "PSB2/gcd")["programs"]!.GetValue<int>().Should().Be(2, "a C++ draft is right");
        }
        var cpp = run.Run.Variants.Single(v => v.Variant.Id == "language=cpp,ranking=lexicase");
        var dice = cpp.Flows.Single(f => f.Key.ProblemId == "PSB2/dice-game").Submission[0];
        dice.Content.Should().Contain("// dice-game cpp repair");
        dice.Tags["language"].Should().Be("cpp");
        dice.Stage.Should().Be("repair");
    }

    [Fact]
    public async Task Codecontests_co_generates_code_and_io_tests_within_each_problems_limits()
    {
        var (_, summary, metrics, flows) = await RunAsync("codecontests.yaml");
        summary["status"]!.GetValue<string>().Should().Be("completed");
        var m = metrics["default"];
        M(m, "problems").Should().Be(3);
        M(m, "aligned").Should().Be(1, "every problem's code and generated cases come to agree");
        M(m, "false_aligned").Should().BeApproximately(1.0 / 3, 1e-6, "Mean Value's code and cases agree on integer division");
        M(m, "solved_by_generated_tests").Should().Be(3);
        M(m, "solved_by_hidden_tests").Should().Be(2);
        Flow(flows, "default", "1000_A. Sum of Two")["programs"]!.GetValue<int>().Should().Be(2, "aligned in round 1");
        Flow(flows, "default", "1000_B. Largest Number")["programs"]!.GetValue<int>().Should().Be(4, "aligned in round 2");
    }

    [Fact]
    public async Task Align_regenerates_code_and_tests_until_they_agree()
    {
        var (_, summary, metrics, flows) = await RunAsync("align.yaml");
        summary["status"]!.GetValue<string>().Should().Be("completed");
        const string scripted = "model=coder,code_prompt=draft,output=code,test_prompt=generate-tests,extraction=asserts";
        const string replay = "model=codegen,code_prompt=humaneval/complete,output=completion,test_prompt=humaneval/tests-codet,extraction=codet";
        metrics.Keys.Should().BeEquivalentTo(scripted, replay);
        var s = metrics[scripted];
        M(s, "aligned").Should().Be(0.75, "HumanEval/0, 2 and 3 reach agreement, HumanEval/1 never does");
        M(s, "false_aligned").Should().Be(0.25, "HumanEval/3's code and tests share a misreading");
        M(s, "solved_by_hidden_tests").Should().Be(2);
        M(s, "pass@1").Should().BeApproximately(0.5, 1e-9);
        M(s, "budget_exhausted").Should().Be(1);
        Flow(flows, scripted, "HumanEval/0")["programs"]!.GetValue<int>().Should().Be(5, "aligned in round 1");
        Flow(flows, scripted, "HumanEval/2")["programs"]!.GetValue<int>().Should().Be(10, "aligned in round 2");
        Flow(flows, scripted, "HumanEval/1")["programs"]!.GetValue<int>().Should().Be(20, "four rounds, then the budget is spent");
        Flow(flows, scripted, "HumanEval/1")["flags"]!["aligned"]!.GetValue<bool>().Should().BeFalse();
        // The replay variant runs on the recorded CodeGen-16B samples: every flow ends, aligned or out of budget.
        var r = metrics[replay];
        M(r, "problems").Should().Be(4);
        M(r, "failed_flows").Should().Be(0);
        M(r, "programs").Should().BeInRange(20, 80);
        M(r, "false_aligned").Should().BeLessThanOrEqualTo(M(r, "aligned"));
    }

    [Fact]
    public async Task Gsm8k_programs_agree_with_independent_checks_and_vote_on_the_number()
    {
        var (run, summary, metrics, flows) = await RunAsync("gsm8k.yaml");
        summary["status"]!.GetValue<string>().Should().Be("completed");
        var m = metrics.Single().Value;
        M(m, "problems").Should().Be(3);
        M(m, "aligned").Should().Be(1, "every problem reaches agreement");
        M(m, "false_aligned").Should().BeApproximately(1.0 / 3, 1e-6, "GSM8K/2's programs and checks share a misreading");
        M(m, "solved_by_hidden_tests").Should().Be(2);
        Flow(flows, "default", "GSM8K/1")["programs"]!.GetValue<int>().Should().Be(6, "round 1 is rejected by the checks");
        var ducks = run.Run.Variants[0].Flows.Single(f => f.Key.ProblemId == "GSM8K/0");
        ducks.Submission.Should().HaveCount(2, "the two programs that pass the checks (18 and 18.0), one copy each");
        ducks.Submission[0].Tags["votes"].Should().Be("2");
        ducks.Hidden.Should().OnlyContain(h => h.Passed);
    }

    [Fact]
    public async Task Multilevel_runs_every_combination_and_each_level_changes_what_is_solved()
    {
        var (_, summary, metrics, _) = await RunAsync("multilevel.yaml");
        summary["status"]!.GetValue<string>().Should().Be("completed");
        metrics.Should().HaveCount(32);
        metrics.Values.Should().OnlyContain(m => M(m, "failed_flows") == 0 && M(m, "problems") == 2);
        double Solved(string model, string prompt, bool lexicon, bool sketch, bool ensemble) =>
            M(metrics[$"model={model},prompt={prompt},lexicon={(lexicon ? "true" : "false")},sketch={(sketch ? "true" : "false")},ensemble={(ensemble ? "true" : "false")}"], "solved_by_hidden_tests");
        foreach (var prompt in new[] { "draft", "draft-terse" })
        {
            Solved("small", prompt, false, false, false).Should().Be(0, "the small model needs a plan");
            Solved("small", prompt, false, true, false).Should().Be(2, "with a sketch it solves both");
            Solved("small", prompt, false, false, true).Should().Be(1, "the ensemble adds the large model's HumanEval/2");
            Solved("large", prompt, false, false, false).Should().Be(1);
            Solved("large", prompt, true, false, false).Should().Be(2, "the lexicon fixes HumanEval/3 for the large model");
        }
        var calls = M(metrics["model=small,prompt=draft,lexicon=true,sketch=true,ensemble=true"], "calls");
        calls.Should().Be(2 * 4, "lexicon, sketch and two drafts per problem");
    }
}
