using System.Net;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Designer.Tests;

/// <summary>
/// The runs page's API over a real SQLite run store shared with the CLI: a run started from the page and one started by
/// <c>seidr run --store</c> in another process are listed, followed (progress over server-sent events, read from the
/// store), reported (HTML through Seidr.Workflows.Reports, cached) and compared.
/// </summary>
public class LiveRunsApiTests : IAsyncLifetime
{
    private TestProject _p = null!;
    private string StorePath => Path.Combine(_p.Root, "store.db");

    public async Task InitializeAsync() =>
        _p = await TestProject.StartAsync(o => o with { RunsDirectory = null, Store = Path.Combine(Path.GetDirectoryName(o.WorkflowsDirectory)!, "store.db"), ProgressInterval = TimeSpan.FromMilliseconds(200) });

    public async Task DisposeAsync() => await _p.DisposeAsync();

    [Fact]
    public async Task A_cli_process_left_running_by_a_test_is_killed_when_disposed()
    {
        var slow = LiveRuns.AddSlowWorkflow(_p, tokensPerMinute: 1_000);
        int pid;
        await using (var cli = LiveRuns.StartCli(_p, "run", slow, "--store", StorePath, "--quiet"))
        {
            pid = cli.Process.Id;
            // Disposed while it runs, as when a test fails before waiting: its run is in the store, so it had started.
            await LiveRuns.WaitForListedAsync(_p, r => r["workflowId"]!.GetValue<string>() == "slow", "the CLI's run");
            cli.Process.HasExited.Should().BeFalse("at 1,000 tokens a minute the run lasts minutes");
        }
        Directory.Exists($"/proc/{pid}").Should().BeFalse("the CLI process was killed and reaped on dispose");
    }

    [Fact]
    public async Task A_page_run_and_a_cli_run_are_listed_followed_reported_and_compared()
    {
        // A run started from the page writes to the shared store.
        var response = await _p.PostJsonAsync("elsa/api/workflow-definitions/quickstart/execute", LiveRuns.StudioRunRequest);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var pageRun = response.Headers.GetValues("x-elsa-workflow-instance-id").Single();
        var events = await LiveRuns.ReadEventsAsync(_p, pageRun);
        events.Should().NotBeEmpty();
        events[^1].Event.Should().Be("end");
        var last = events[^1].Data;
        last["status"]!.GetValue<string>().Should().Be("completed", last.ToJsonString());
        last["flows"]!.GetValue<int>().Should().Be(10);
        var variants = last["variants"]!.AsArray();
        variants.Select(v => v!["id"]!.GetValue<string>()).Should().Equal("drafts=1", "drafts=2");
        foreach (var v in variants)
        {
            v!["flowsDone"]!.GetValue<int>().Should().Be(5);
            v["flowsTotal"]!.GetValue<int>().Should().Be(5);
            v["solved"]!.GetValue<int>().Should().Be(4, "the scripted drafts solve problems 1-4 by the hidden tests");
            v["solvedShare"]!.GetValue<double>().Should().Be(0.8);
            v["calls"]!.GetValue<int>().Should().BePositive();
            v["tokens"]!.GetValue<long>().Should().BePositive();
        }
        // The same figures as the run's own summary (calls and tokens per variant).
        var summary = await _p.GetJsonAsync($"designer/api/runs/{pageRun}");
        foreach (var (v, s) in variants.Zip(summary["variants"]!.AsArray()))
        {
            v!["calls"]!.GetValue<int>().Should().Be((int)s!["metrics"]!["calls"]!.GetValue<double>());
            v["tokens"]!.GetValue<long>().Should().Be((long)s["metrics"]!["tokens"]!.GetValue<double>());
        }

        // A run started by the CLI in another process, into the same store, slowed so that it is seen running.
        var slow = LiveRuns.AddSlowWorkflow(_p);
        await using var cli = LiveRuns.StartCli(_p, "run", slow, "--store", StorePath, "--problems", "0-2", "--quiet");
        var listed = await LiveRuns.WaitForListedAsync(_p, r => r["workflowId"]!.GetValue<string>() == "slow" && r["variants"]!.GetValue<int>() > 0, "the CLI's run with its variants");
        var cliRun = listed["id"]!.GetValue<string>();
        listed["store"]!.GetValue<string>().Should().Be(StorePath);
        listed["variants"]!.GetValue<int>().Should().Be(2);
        listed["expectedFlows"]!.GetValue<int>().Should().Be(6);
        var stillRunning = await _p.Http.GetAsync($"designer/api/live/runs/{cliRun}/report");
        var followed = await LiveRuns.ReadEventsAsync(_p, cliRun);
        await cli.WaitAsync();
        listed["status"]!.GetValue<string>().Should().Be("running");
        stillRunning.StatusCode.Should().Be(HttpStatusCode.Conflict, "its report is written when it ends");
        (await stillRunning.Content.ReadAsStringAsync()).Should().Contain($"run '{cliRun}' is still running");
        followed.Where(e => e.Event == "progress").Should().Contain(e => e.Data["status"]!.GetValue<string>() == "running", "the stream follows the run while it runs");
        var flowCounts = followed.Select(e => e.Data["flows"]!.GetValue<int>()).ToList();
        flowCounts.Should().BeInAscendingOrder().And.Contain(6);
        flowCounts.Distinct().Count().Should().BeGreaterThan(1, "progress was pushed as flows finished: " + string.Join(",", flowCounts));
        followed[^1].Event.Should().Be("end");
        followed[^1].Data["status"]!.GetValue<string>().Should().Be("completed");

        var list = await _p.GetJsonAsync("designer/api/live/runs");
        list["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).Should().Equal(cliRun, pageRun);
        list["errors"]!.AsArray().Should().BeEmpty();

        // The report of a finished run: written once, then served from the cache; its candidate trees load from its sidecar.
        var report = await _p.Http.GetAsync($"designer/api/live/runs/{pageRun}/report");
        report.StatusCode.Should().Be(HttpStatusCode.OK);
        report.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        (await report.Content.ReadAsStringAsync()).Should().Contain(pageRun).And.Contain("drafts=2");
        var html = Path.Combine(_p.Root, "runs", ".reports", pageRun, "report.html");
        var written = File.GetLastWriteTimeUtc(html);
        await Task.Delay(50);
        (await _p.Http.GetAsync($"designer/api/live/runs/{pageRun}/report")).StatusCode.Should().Be(HttpStatusCode.OK);
        File.GetLastWriteTimeUtc(html).Should().Be(written, "the report is cached until the run changes");
        (await _p.Http.GetStringAsync($"designer/api/live/runs/{pageRun}/report.data/0.js")).Should().StartWith("seidrReport.part(0,");

        // Compared: per variant, and per problem (the CLI run took problems 0-2 only).
        var c = await _p.GetJsonAsync($"designer/api/live/compare?a={pageRun}&b={cliRun}");
        c["variants"]!.AsArray().Select(v => $"{v!["run"]}/{v["variant"]}").Should().Equal($"{pageRun}/drafts=1", $"{pageRun}/drafts=2", $"{cliRun}/drafts=1", $"{cliRun}/drafts=2");
        var metrics = c["variants"]![0]!["metrics"]!.AsObject();
        metrics.Select(m => m.Key).Should().Contain(["solved_share", "pass@1", "calls", "tokens", "cost", "time_s"]);
        metrics["solved_share"]!.GetValue<double>().Should().Be(0.8);
        c["variants"]![2]!["metrics"]!["problems"]!.GetValue<double>().Should().Be(3);
        var problems = c["problems"]!.AsArray().ToDictionary(p => p!["id"]!.GetValue<string>(), p => p!["verdict"]!.GetValue<string>());
        problems.Should().Equal(new Dictionary<string, string>
        {
            ["HumanEval/0"] = "neither", ["HumanEval/1"] = "both", ["HumanEval/2"] = "both", ["HumanEval/3"] = "only-a", ["HumanEval/4"] = "only-a",
        });
        c["counts"]!.ToJsonString().Should().Be("""{"both":2,"neither":1,"only-a":2}""");
        c["problems"]![1]!["solvedByB"]!.AsArray().Select(x => x!.GetValue<string>()).Should().Equal("drafts=1", "drafts=2");
    }

    [Fact]
    public async Task An_unknown_run_is_a_404_naming_it_everywhere()
    {
        var progress = await _p.Http.GetAsync("designer/api/live/runs/no-such-run");
        progress.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await progress.Content.ReadAsStringAsync()).Should().Contain("no run 'no-such-run'");
        (await _p.Http.GetAsync("designer/api/live/runs/no-such-run/report")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _p.Http.GetAsync("designer/api/live/compare?a=no-such-run&b=other")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _p.Http.GetAsync("designer/api/live/compare?a=no-such-run")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var events = await LiveRuns.ReadEventsAsync(_p, "no-such-run");
        events.Should().ContainSingle().Which.Event.Should().Be("error");
        events[0].Data["status"]!.GetValue<int>().Should().Be(404);
        events[0].Data["title"]!.GetValue<string>().Should().Contain("no run 'no-such-run'");
        (await _p.Http.GetAsync("runs/no-such-run")).RequestMessage!.RequestUri!.PathAndQuery.Should().Be("/runs?run=no-such-run", "the run page hands over to the runs page");
    }

    [Fact]
    public async Task An_unreachable_store_is_named_and_the_other_stores_still_list()
    {
        // A run in the runs folder, and a PostgreSQL store nobody listens for (port 1), and a run.db that is not a database.
        await using var folder = await TestProject.StartAsync(o => o with { RunsDirectory = null });
        var response = await folder.PostJsonAsync("elsa/api/workflow-definitions/quickstart/execute", LiveRuns.StudioRunRequest);
        var run = response.Headers.GetValues("x-elsa-workflow-instance-id").Single();
        (await LiveRuns.ReadEventsAsync(folder, run))[^1].Data["status"]!.GetValue<string>().Should().Be("completed");
        var broken = Path.Combine(folder.Root, "runs", "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "run.db"), "this is not a SQLite database, it is text long enough to be read as a header");
        var runsDirectory = Path.Combine(folder.Root, "runs");

        await using var away = await TestProject.StartAsync(o => o with
        {
            RunsDirectory = runsDirectory,
            Store = "Host=127.0.0.1;Port=1;Database=seidr;Username=seidr;Password=secret;Timeout=3",
        });
        var list = await away.GetJsonAsync("designer/api/live/runs");
        list["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).Should().Equal(run);
        var errors = list["errors"]!.AsArray().Select(e => $"{e!["store"]}: {e["message"]}").ToList();
        errors.Should().HaveCount(2, string.Join("\n", errors));
        errors[0].Should().Contain("Host=127.0.0.1;Port=1").And.Contain("Password=***").And.NotContain("secret");
        errors[1].Should().Contain(Path.Combine(broken, "run.db"));

        var progress = await away.Http.GetAsync("designer/api/live/runs/other-run");
        progress.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the run may be in the store that cannot be read");
        (await progress.Content.ReadAsStringAsync()).Should().Contain("no run 'other-run' in the stores that could be read").And.Contain("Port=1");
        (await away.GetJsonAsync($"designer/api/live/runs/{run}"))["status"]!.GetValue<string>().Should().Be("completed", "a run in a readable store is still followed");
    }
}
