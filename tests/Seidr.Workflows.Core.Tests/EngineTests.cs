using System.Collections.Immutable;
using System.Collections.Concurrent;
using System.Text.Json;
using Seidr.Workflows.Core.Tests.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Core.Tests;

public class EngineTests
{
    private static string LoopYaml => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Workflows", "loop.yaml"));
    private static readonly WorkflowEngine Engine = new();

    [Fact]
    public async Task A_loop_improves_the_beam_until_a_program_passes()
    {
        var def = TestCatalog.Parse(LoopYaml);
        var result = await Engine.RunAsync(def, TestCatalog.Options());
        result.Status.Should().Be(RunStatus.Completed);
        result.Variants.Should().HaveCount(2);
        var step1 = result.Variants.Single(v => v.Variant.Id == "step=1");
        var flow = step1.Flows.Should().HaveCount(3).And.Subject.First();
        flow.Status.Should().Be(FlowStatus.Completed);
        // Drafts 0 and 1; beam {1, 0} improves by one per generation until 5 is reached: 1->2->3->4->5.
        flow.Submission.Should().ContainSingle().Which.Content.Should().Be("5");
        flow.Submission[0].Generation.Should().Be(4);
        flow.Submission[0].Stage.Should().Be("improve");
        flow.Submission[0].ParentId.Should().StartWith("improve#2.");
        flow.Programs.Should().Be(2 + 2 * 4);
        step1.Metrics["solved_by_generated_tests"].Should().Be(3);
        var step2 = result.Variants.Single(v => v.Variant.Id == "step=2");
        step2.Flows[0].Submission[0].Content.Should().Be("5"); // 1->3->5
        step2.Flows[0].Programs.Should().Be(2 + 2 * 2);
    }

    [Fact]
    public async Task An_exhausted_budget_routes_to_the_exhausted_port()
    {
        var def = TestCatalog.Parse(LoopYaml.Replace("max_programs: 50", "max_programs: 5").Replace("target: 5", "target: 100"));
        var events = new ConcurrentBag<RunEvent>();
        var result = await Engine.RunAsync(def, TestCatalog.Options(1, new DelegateObserver(events.Add)));
        var flow = result.Variants[0].Flows.Single();
        flow.ExhaustedLimit.Should().Be("max_programs");
        flow.Status.Should().Be(FlowStatus.Completed, "the Exhausted port leads to Submit");
        flow.Submission.Should().NotBeEmpty();
        flow.Programs.Should().Be(6, "2 drafts, then 2 children per generation until 5 or more were made");
        events.OfType<BudgetExhausted>().Where(e => e.Flow.VariantId == "step=1").Should().ContainSingle().Which.Limit.Should().Be("max_programs");
    }

    [Fact]
    public async Task Without_an_exhausted_port_the_flow_stops_and_says_why()
    {
        var def = TestCatalog.Parse(LoopYaml.Replace("max_programs: 50", "calls: 3").Replace("target: 5", "target: 100").Replace("- check.Exhausted -> submit\n", ""));
        var flow = (await Engine.RunAsync(def, TestCatalog.Options(1))).Variants[0].Flows.Single();
        flow.Status.Should().Be(FlowStatus.BudgetExhausted);
        flow.ExhaustedLimit.Should().Be("calls");
        flow.Calls.Should().Be(3);
        flow.Submission.Should().BeEmpty();
    }

    [Fact]
    public async Task Time_budget_ends_a_slow_loop()
    {
        var def = TestCatalog.Parse(LoopYaml.Replace("max_programs: 50\n    time: 1m", "time: 300ms").Replace("target: 5", "target: 100000")
            .Replace("    step: ${step}", "    step: ${step}\n    delay_ms: 20"));
        var flow = (await Engine.RunAsync(def, TestCatalog.Options(1))).Variants[0].Flows.Single();
        flow.ExhaustedLimit.Should().Be("time");
        flow.Duration.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300)).And.BeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Same_seed_and_same_answers_give_the_same_run()
    {
        var def = TestCatalog.Parse(LoopYaml.Replace("    step: ${step}", "    step: ${step}\n    children: 3\n    delay_ms: 1"));
        var a = await Engine.RunAsync(def, TestCatalog.Options(4) with { MaxWork = 8 });
        var b = await Engine.RunAsync(def, TestCatalog.Options(4) with { MaxWork = 3, MaxFlows = 1 });
        string Fingerprint(RunResult r) => JsonSerializer.Serialize(r.Variants.Select(v => new
        {
            v.Variant.Id,
            Metrics = v.Metrics.Where(m => !m.Key.StartsWith("time_s")),
            Flows = v.Flows.Select(f => new { f.Key, Submission = f.Submission.Select(c => new { c.Id, c.Content, c.ParentId, c.Score }), f.Programs, f.Calls, f.Tokens }),
        }));
        Fingerprint(a).Should().Be(Fingerprint(b));
    }

    [Fact]
    public async Task Work_runs_concurrently_within_the_bound()
    {
        var def = TestCatalog.Parse(LoopYaml.Replace("count: 2", "count: 12").Replace("beam_width: 2", "beam_width: 12")
            .Replace("    step: ${step}", "    step: ${step}\n    delay_ms: 30").Replace("target: 5", "target: 14"));
        var options = TestCatalog.Options(4) with { MaxWork = 5, RunId = "bound-" + Guid.NewGuid() };
        await Engine.RunAsync(def, options);
        var peak = Improve.InFlight[options.RunId!][1];
        peak.Should().Be(5, "12 programs x 4 problems x 2 variants want far more than 5 slots, and 5 may be used at once");
    }

    [Fact]
    public async Task Cancelling_stops_cleanly_and_keeps_finished_flows()
    {
        var def = TestCatalog.Parse(LoopYaml.Replace("target: 5", "target: 1000000").Replace("max_programs: 50", "max_programs: 100000").Replace("time: 1m", "time: 1h")
            .Replace("    step: ${step}", "    step: ${step}\n    delay_ms: 5").Replace("problems: 0-2", "problems: all"));
        // Problem 0 is made trivially solvable by starting high; the others loop until cancelled.
        using var cts = new CancellationTokenSource();
        var finished = new ConcurrentBag<FlowResult>();
        var observer = new DelegateObserver(e =>
        {
            if (e is FlowCompleted fc) { finished.Add(fc.Result); cts.CancelAfter(300); }
        });
        var options = TestCatalog.Options(3, observer) with { MaxFlows = 6 };
        def = def with { Activities = def.Activities.Select(a => a.Id == "emit" ? a with { Inputs = a.Inputs.SetItem("start", Definitions.InputValue.Literal(System.Text.Json.Nodes.JsonValue.Create("${start}"))) } : a).ToImmutableArray() };
        def = def with { Experiment = def.Experiment with { Matrix = def.Experiment.Matrix with { Axes = [new("step", ["1"]), new("start", ["1000000", "0"])] } } };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await Engine.RunAsync(def, options, cts.Token);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20));
        result.Status.Should().Be(RunStatus.Cancelled);
        var kept = result.Variants.Single(v => v.Variant.Id == "step=1,start=1000000").Flows;
        kept.Should().HaveCount(3).And.OnlyContain(f => f.Status == FlowStatus.Completed && f.Submission.Length == 2);
        result.Variants.Single(v => v.Variant.Id == "step=1,start=0").Flows.Should().BeEmpty("unfinished flows are not results");
    }

    [Fact]
    public async Task A_join_waits_for_both_branches_and_merges_in_connection_order()
    {
        var yaml = """
            id: join
            experiment:
              dataset: test
            activities:
            - id: emit
              type: Test.Emit
              inputs:
                count: 1
            - id: slow
              type: Test.Tag
              inputs:
                label: slow
                delay_ms: 100
            - id: fast
              type: Test.Tag
              inputs:
                label: fast
            - id: join
              type: Test.Tag
              inputs:
                label: join
            - id: submit
              type: Seidr.Submit
            connections:
            - emit.Done -> slow
            - emit.Done -> fast
            - slow.Done -> join
            - fast.Done -> join
            - join.Done -> submit
            """;
        var events = new ConcurrentBag<RunEvent>();
        var result = await Engine.RunAsync(TestCatalog.Parse(yaml), TestCatalog.Options(1, new DelegateObserver(events.Add)));
        var flow = result.Variants[0].Flows.Single();
        flow.Submission.Should().ContainSingle().Which.Tags["via"].Should().Be("join,fast", "the same candidate arrives from both branches; the later connection's copy replaces the earlier in place");
        events.OfType<ActivityStarted>().Count(e => e.ActivityId == "join").Should().Be(1, "the join runs once, after both branches");
    }

    [Fact]
    public async Task A_disabled_activity_passes_its_input_through()
    {
        var def = TestCatalog.Parse(LoopYaml.Replace("    step: ${step}", "    step: ${step}\n    enabled: ${improve}").Replace("step: [\"1\", \"2\"]", "step: [\"1\"]\n    improve: [\"on\", \"off\"]")
            .Replace("max_programs: 50", "max_programs: 10"));
        var result = await Engine.RunAsync(def, TestCatalog.Options(1));
        result.Variants.Single(v => v.Variant.Id == "step=1,improve=on").Flows[0].Submission[0].Content.Should().Be("5");
        var off = result.Variants.Single(v => v.Variant.Id == "step=1,improve=off").Flows[0];
        off.Programs.Should().Be(2, "improve made nothing");
        off.ExhaustedLimit.Should().BeNull();
        off.Status.Should().Be(FlowStatus.Failed, "the loop ran its iteration cap without a budget spend");
        off.Error.Should().Contain("ran 10000 times");
    }

    [Fact]
    public async Task A_port_the_activity_does_not_declare_fails_the_flow_naming_it()
    {
        var yaml = """
            id: stray
            experiment:
              dataset: test
            activities:
            - id: emit
              type: Test.Emit
            - id: stray
              type: Test.Stray
            - id: submit
              type: Seidr.Submit
            connections:
            - emit.Done -> stray
            - stray.Done -> submit
            """;
        var result = await Engine.RunAsync(TestCatalog.Parse(yaml), TestCatalog.Options(1));
        var flow = result.Variants[0].Flows.Single();
        flow.Status.Should().Be(FlowStatus.Failed, "a population sent to an undeclared port would be lost without a word");
        flow.Error.Should().Contain("activity 'stray' failed").And.Contain("Test.Stray emitted on port 'Elsewhere', which it does not declare (its ports: Done)");
    }

    [Fact]
    public async Task A_failing_activity_fails_its_flow_not_the_run()
    {
        var yaml = """
            id: fails
            experiment:
              dataset: test
            activities:
            - id: emit
              type: Test.Emit
            - id: fail
              type: Test.Fail
            - id: submit
              type: Seidr.Submit
            connections:
            - emit.Done -> fail
            - fail.Done -> submit
            """;
        var result = await Engine.RunAsync(TestCatalog.Parse(yaml), TestCatalog.Options(2));
        result.Status.Should().Be(RunStatus.Completed);
        result.Variants[0].Flows.Should().HaveCount(2).And.OnlyContain(f => f.Status == FlowStatus.Failed && f.Error!.Contains("boom"));
        result.Variants[0].Metrics["failed_flows"].Should().Be(2);
    }

    [Fact]
    public async Task Completed_flows_given_to_a_resumed_run_are_not_run_again()
    {
        var def = TestCatalog.Parse(LoopYaml);
        var first = await Engine.RunAsync(def, TestCatalog.Options());
        var done = first.Variants.SelectMany(v => v.Flows).Where(f => f.Key.ProblemId != "P2").ToDictionary(f => f.Key);
        var started = new ConcurrentBag<FlowKey>();
        var second = await Engine.RunAsync(def, TestCatalog.Options(3, new DelegateObserver(e => { if (e is ActivityStarted s) started.Add(s.Flow); })) with { Completed = done });
        started.Select(k => k.ProblemId).Distinct().Should().Equal("P2");
        second.Variants.Select(v => v.Metrics["solved"]).Should().Equal(first.Variants.Select(v => v.Metrics["solved"]));
    }
}
