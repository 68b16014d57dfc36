using Seidr.Workflows.Persistence.Tests.Support;
using Seidr.Workflows.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Seidr.Workflows.Reliability.Tests;

/// <summary>
/// Money and volume caps with a priced model: one token costs one unit here, so the arithmetic is plain. A run-wide cap
/// is never passed, even with 16 calls in flight, and the flows it stopped say which cap stopped them.
/// </summary>
public sealed class RunBudgetTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-budget-").FullName;

    private const string PricedModel = """
        max_tokens: 400
        prices: {input_per_million: 1000000, output_per_million: 1000000}
        """;

    [Fact]
    public async Task A_run_wide_cost_cap_is_never_passed_with_calls_in_flight_and_stopped_flows_name_it()
    {
        using var server = LoopbackLlm.Start("--latency", "0.2");
        // 40 flows of 2 samples; a free run costs ~40 x 2 x (prompt + answer) units. The cap is about a third of that.
        var free = await RunAsync(server, "free", "");
        var fullCost = free.Metric("cost");
        fullCost.Should().BeGreaterThan(0, "the model is priced");
        var cap = Math.Round(fullCost / 3);
        var capped = await RunAsync(server, "capped", $"run_budget: {{cost: {cap}}}");

        var spent = capped.Summary["runBudget"]!["cost"]!["spent"]!.GetValue<double>();
        log.WriteLine($"uncapped cost {fullCost}, cap {cap}, spent {spent}, stopped flows {capped.Metric("budget_exhausted")}");
        spent.Should().BeLessThanOrEqualTo(cap, "no call starts once it could pass the cap");
        spent.Should().BePositive("calls ran until the cap (with the estimates of calls in flight) was reached");
        capped.Metric("programs").Should().BePositive();
        capped.Metric("cost").Should().BeApproximately(spent, 1e-6, "the variants' cost is what the run spent");
        capped.Summary["runBudget"]!["cost"]!["cap"]!.GetValue<double>().Should().Be(cap);
        var stopped = capped.Flows.Where(f => f["exhausted"]?.GetValue<string>() == "run_budget.cost").ToList();
        stopped.Should().NotBeEmpty();
        stopped.Where(f => f["programs"]!.GetValue<int>() == 0 && f["status"]!.GetValue<string>() != "BudgetExhausted").Should().BeEmpty("a flow stopped before any program ends BudgetExhausted");
        capped.Metric("failed_samples").Should().Be(0, "refused calls are not lost samples");
    }

    [Fact]
    public async Task A_run_wide_calls_cap_allows_exactly_that_many_calls()
    {
        using var server = LoopbackLlm.Start("--latency", "0.2");
        var before = (await server.StatsAsync()).Requests;
        var capped = await RunAsync(server, "calls", "run_budget: {calls: 10}");
        var requests = (await server.StatsAsync()).Requests - before;
        log.WriteLine($"{requests} requests, calls metric {capped.Metric("calls")}");
        capped.Summary["runBudget"]!["calls"]!["spent"]!.GetValue<int>().Should().Be(10);
        requests.Should().Be(10 * 2, "10 model calls of 2 samples each, one request per sample");
        capped.Metric("budget_exhausted").Should().Be(30);
    }

    [Fact]
    public async Task A_per_flow_cost_budget_ends_each_flow_at_its_cap()
    {
        using var server = LoopbackLlm.Start("--latency", "0.05");
        // A draft of 2 samples costs a few hundred units here: 1,000 allows about three rounds of the loop, far fewer
        // than max_programs (20 programs, ten rounds) would.
        var looped = await RunAsync(server, "flow-cost", "budget: {cost: 1000, max_programs: 20}", loop: true);
        looped.Flows.Should().OnlyContain(f => f["solvedByGeneratedTests"]!.GetValue<bool>() || f["exhausted"]!.GetValue<string>() == "cost",
            "a flow ends when it is solved or when its cost reaches its cap");
        looped.Flows.Should().Contain(f => f["exhausted"] != null && f["exhausted"]!.GetValue<string>() == "cost");
        looped.Flows.Max(f => f["programs"]!.GetValue<int>()).Should().BeLessThan(20);
    }

    private async Task<RunOutput> RunAsync(LoopbackLlm server, string name, string experimentExtra, bool loop = false)
    {
        var dir = Path.Combine(_dir, name);
        var workflow = DraftWorkflow.Write(dir, server.BaseUrl, problems: 40, drafts: 2, concurrency: 8, maxConcurrency: 16,
            modelExtra: PricedModel, experimentExtra: experimentExtra, id: name);
        if (loop) MakeLoop(workflow);
        var outDir = Path.Combine(dir, "out");
        var (exit, stdout, stderr) = await SeidrProcess.RunAsync(["run", workflow, "--out", outDir, "--quiet"]);
        log.WriteLine(stdout);
        exit.Should().Be(0, stdout + stderr);
        return RunOutput.Read(outDir);
    }

    /// <summary>Draft, execute, rank; the beam goes back to draft until solved or out of budget.</summary>
    private static void MakeLoop(string workflow)
    {
        var text = File.ReadAllText(workflow);
        text = text.Replace("- id: submit\n  type: Seidr.Submit", "- id: rank\n  type: Seidr.Rank\n  inputs:\n    beam_width: 1\n- id: submit\n  type: Seidr.Submit")
            .Replace("- execute.Done -> submit", "- execute.Done -> rank\n- rank.Solved -> submit\n- rank.Exhausted -> submit\n- rank.Beam -> draft");
        File.WriteAllText(workflow, text);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
