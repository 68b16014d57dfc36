using System.Net;
using System.Net.Sockets;
using Seidr.Workflows.Persistence.Tests.Support;

namespace Seidr.Workflows.Persistence.Tests;

/// <summary>
/// The run store's command-line surface on the real CLI: every failure path ends with exit 1 (the caller's mistake)
/// or 2 (the run could not be done) and exactly one line on stderr, <c>error: ...</c>, saying what to do.
/// </summary>
public sealed class RunOptionsCliTests
{
    /// <summary>The whole of stderr is one <c>error:</c> line containing every <paramref name="parts"/>.</summary>
    private static void OneLineError((int Exit, string Out, string Err) r, int exit, params string[] parts)
    {
        r.Exit.Should().Be(exit, r.Out + r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().ContainSingle("the error is one line: {0}", r.Err).Which.Should().StartWith("error: ");
        foreach (var p in parts) lines[0].Should().Contain(p);
    }

    [Theory]
    [InlineData("3/3")]
    [InlineData("x")]
    [InlineData("1/0")]
    [InlineData("-1/2")]
    public async Task A_bad_shard_is_invalid_input(string shard)
    {
        var r = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--shard", shard, "--quiet"]);
        OneLineError(r, 1, "--shard", shard, "i/n");
    }

    [Fact]
    public async Task A_slurm_task_outside_the_array_is_invalid_input()
    {
        var r = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--quiet"], new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "5", ["SLURM_ARRAY_TASK_COUNT"] = "3" });
        OneLineError(r, 1, "SLURM_ARRAY_TASK_ID=5", "--shard");
    }

    [Fact]
    public async Task Resume_without_a_store_names_the_options_that_give_one()
    {
        var r = await SeidrProcess.RunAsync(["run", "--resume", "r1", "--quiet"]);
        OneLineError(r, 1, "--out DIR", "--store");
    }

    [Fact]
    public async Task Resume_report_and_runs_of_a_folder_without_a_store_say_there_is_none()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-nostore-").FullName;
        OneLineError(await SeidrProcess.RunAsync(["run", "--resume", "r1", "--out", dir, "--quiet"]), 1, "no run store at", dir);
        OneLineError(await SeidrProcess.RunAsync(["runs", "--out", dir]), 1, "no run store at");
        OneLineError(await SeidrProcess.RunAsync(["report", "r1", "--out", dir, "--csv", Path.Combine(dir, "x.csv")]), 1, "no run store at");
        OneLineError(await SeidrProcess.RunAsync(["report", "r1", "--csv", Path.Combine(dir, "x.csv")]), 1, "'r1'", "--store");
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task An_unreachable_postgres_server_is_one_clear_line_for_run_runs_and_report()
    {
        var store = $"Host=127.0.0.1;Port={ClosedPort()};Database=seidr;Username=seidr;Password=hunter2;Timeout=5";
        var run = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--store", store, "--problems", "0", "--quiet"]);
        OneLineError(run, 2, "cannot open the run store", "127.0.0.1");
        run.Err.Should().NotContain("hunter2", "the password is never printed");
        OneLineError(await SeidrProcess.RunAsync(["runs", "--store", store]), 1, "cannot open the run store");
        OneLineError(await SeidrProcess.RunAsync(["report", "r1", "--store", store, "--csv", Path.Combine(Path.GetTempPath(), "never.csv")]), 1, "cannot open the run store");
        OneLineError(await SeidrProcess.RunAsync(["runs", "--store", "postgres://seidr:hunter2@db/seidr"]), 1, "Host=");
    }

    [Fact]
    public async Task Unknown_and_finished_runs_cannot_be_resumed_and_unknown_runs_cannot_be_reported()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-resume-").FullName;
        var first = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--out", dir, "--run-id", "known", "--problems", "0-1", "--quiet"]);
        first.Exit.Should().Be(0, first.Out + first.Err);

        OneLineError(await SeidrProcess.RunAsync(["run", "--resume", "unknown", "--out", dir, "--quiet"]), 1, "no run 'unknown'", "known");
        OneLineError(await SeidrProcess.RunAsync(["run", "--resume", "known", "--out", dir, "--quiet"]), 1, "run known is already completed", "4/4", "seidr report known");
        OneLineError(await SeidrProcess.RunAsync(["report", "nope", "--out", dir, "--html", Path.Combine(dir, "r.html")]), 1, "no run 'nope'", "known");
        OneLineError(await SeidrProcess.RunAsync(["report", "known", "--out", dir]), 1, "--html");
        File.Exists(Path.Combine(dir, "r.html")).Should().BeFalse();

        // The command that started a run continues it (Slurm's requeue): on a finished run it takes every flow as it is.
        var again = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--out", dir, "--run-id", "known", "--problems", "0-1", "--quiet"]);
        again.Exit.Should().Be(0, again.Out + again.Err);
        again.Out.Should().Contain("4 finished flows kept from earlier sessions");
        var runs = await SeidrProcess.RunAsync(["runs", "--out", dir]);
        runs.Out.Should().Contain("known").And.Contain("4/4").And.Contain("completed");
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task A_workflow_file_changed_since_the_run_is_refused_on_resume_and_under_the_same_run_id()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-changed-").FullName;
        var workflow = Path.Combine(dir, "quickstart.yaml");
        File.Copy(Path.Combine(SeidrProcess.RepoRoot, "workflows", "quickstart.yaml"), workflow);
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        File.Copy(Path.Combine(SeidrProcess.RepoRoot, "workflows", "models", "quickstart.scripted.yaml"), Path.Combine(dir, "models", "quickstart.scripted.yaml"));
        var outDir = Path.Combine(dir, "out");
        // A stored run with an unfinished flow (its row deleted, as a kill before its end leaves it).
        var first = await SeidrProcess.RunAsync(["run", workflow, "--out", outDir, "--run-id", "edited", "--problems", "0-1", "--quiet"]);
        first.Exit.Should().Be(0, first.Out + first.Err);
        SeidrProcess.Execute(Path.Combine(outDir, "run.db"), "delete from flows where problem_id = 'HumanEval/1'");

        File.AppendAllText(workflow, "# edited after the run\n");
        OneLineError(await SeidrProcess.RunAsync(["run", "--resume", "edited", "--out", outDir, "--quiet"]), 1, workflow, "has changed since run edited");
        OneLineError(await SeidrProcess.RunAsync(["run", workflow, "--out", outDir, "--run-id", "edited", "--problems", "0-1", "--quiet"]), 1, "run edited", "another text of its workflow");
        File.Delete(workflow);
        OneLineError(await SeidrProcess.RunAsync(["run", "--resume", "edited", "--out", outDir, "--quiet"]), 1, "no longer exists", "pass the workflow file again");
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Commit_programs_keeps_each_best_program_in_git_with_its_score()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-git-").FullName;
        var git = Path.Combine(dir, "programs");
        string[] args = ["run", "workflows/quickstart.yaml", "--out", Path.Combine(dir, "out"), "--run-id", "git", "--problems", "0-2", "--commit-programs", git, "--quiet"];
        var r = await SeidrProcess.RunAsync(args);
        r.Exit.Should().Be(0, r.Out + r.Err);
        r.Out.Should().Contain("programs: 6 commits on branch seidr/git");
        File.Exists(Path.Combine(git, "drafts=1", "HumanEval_1.py")).Should().BeTrue();
        (await Git(git, "rev-parse", "--abbrev-ref", "HEAD")).Trim().Should().Be("seidr/git", "each run commits on a branch of its own");
        var log = await Git(git, "log", "--format=%s");
        log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(6).And.Contain(l => l.StartsWith("HumanEval/1 [drafts=1]: score 1.00", StringComparison.Ordinal));
        // Running the same run again (a requeue) commits nothing new: the programs are unchanged.
        var again = await SeidrProcess.RunAsync(args);
        again.Exit.Should().Be(0, again.Out + again.Err);
        (await Git(git, "log", "--format=%s")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(6);
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Commit_every_commits_each_program_as_it_is_scored_on_the_runs_branch_and_pushes_it()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-git-every-").FullName;
        var git = Path.Combine(dir, "programs");
        var remote = Path.Combine(dir, "remote.git");
        (await Git(dir, "init", "-q", "--bare", remote)).Should().BeEmpty();
        var env = new Dictionary<string, string> { ["GIT_USER"] = "Ada Tester", ["GIT_EMAIL"] = "ada@example.org" };
        string[] args = ["run", "workflows/quickstart.yaml", "--out", Path.Combine(dir, "out"), "--run-id", "every", "--problems", "0-2",
            "--commit-programs", git, "--commit-every", "--commit-remote", remote, "--quiet"];
        var r = await SeidrProcess.RunAsync(args, env);
        r.Exit.Should().Be(0, r.Out + r.Err);
        r.Out.Should().Contain("on branch seidr/every, pushed");

        // Every scored program is one commit (with its candidate as a trailer), as many as the flows made programs.
        var programs = File.ReadAllLines(Path.Combine(dir, "out", "flows.jsonl")).Sum(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["programs"]!.GetValue<int>());
        programs.Should().BeGreaterThan(6, "some problems take several drafts");
        var candidates = (await Git(remote, "log", "seidr/every", "--format=%(trailers:key=Seidr-Candidate,valueonly)")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        candidates.Should().HaveCount(programs).And.OnlyHaveUniqueItems();
        candidates.Should().Contain("drafts=1/HumanEval/1/draft#0.0");
        var subjects = (await Git(remote, "log", "seidr/every", "--format=%s")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        subjects.Should().Contain(s => s.StartsWith("HumanEval/0 [drafts=1] draft#0.0: score ", StringComparison.Ordinal) && s.EndsWith(" tests)", StringComparison.Ordinal));
        subjects.Should().Contain(s => s.Contains(": score 1.00 (", StringComparison.Ordinal), "a program that passes its examples says so");
        (await Git(remote, "log", "seidr/every", "--format=%an <%ae>")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().OnlyContain(a => a == "Ada Tester <ada@example.org>", "GIT_USER and GIT_EMAIL are the author");
        // The branch's head holds each flow's best program (the best commits come after the programs').
        (await Git(remote, "show", "seidr/every:drafts=1/HumanEval_1.py")).Should().Be(File.ReadAllText(Path.Combine(git, "drafts=1", "HumanEval_1.py")));
        var pushed = (await Git(remote, "rev-list", "--count", "seidr/every")).Trim();

        // The same run again (a requeued task) commits nothing twice; another run gets a branch of its own.
        var again = await SeidrProcess.RunAsync(args, env);
        again.Exit.Should().Be(0, again.Out + again.Err);
        again.Out.Should().Contain("programs: 0 commits on branch seidr/every, pushed");
        (await Git(remote, "rev-list", "--count", "seidr/every")).Trim().Should().Be(pushed);
        var other = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--out", Path.Combine(dir, "out2"), "--run-id", "other", "--problems", "0",
            "--commit-programs", git, "--commit-every", "--commit-remote", remote, "--quiet"], env);
        other.Exit.Should().Be(0, other.Out + other.Err);
        (await Git(remote, "branch", "--format=%(refname:short)")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo("seidr/every", "seidr/other");
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task A_remote_that_refuses_the_push_is_an_error_after_the_run()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-git-push-").FullName;
        var r = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--run-id", "nopush", "--problems", "0",
            "--commit-programs", Path.Combine(dir, "programs"), "--commit-remote", Path.Combine(dir, "missing.git"), "--quiet"]);
        r.Exit.Should().Be(2, r.Out + r.Err);
        r.Err.Should().Contain("error: branch seidr/nopush could not be pushed").And.Contain("missing.git");
        OneLineError(await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--commit-every", "--quiet"]), 1, "--commit-programs");
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Shards_by_variant_run_one_variant_each_on_every_problem()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-byvariant-").FullName;
        var store = Path.Combine(dir, "all.db");
        foreach (var i in new[] { 0, 1 })
        {
            var r = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--store", store, "--out", Path.Combine(dir, $"task-{i}"), "--problems", "0-2", "--shard-by", "variant", "--quiet"],
                new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = i.ToString(), ["SLURM_ARRAY_TASK_COUNT"] = "2", ["SLURM_ARRAY_JOB_ID"] = "77" });
            r.Exit.Should().Be(0, r.Out + r.Err);
            var variants = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, $"task-{i}", "summary.json")))!["variants"]!.AsArray();
            variants.Should().ContainSingle();
            ((string?)variants[0]!["id"]).Should().Be(i == 0 ? "drafts=1" : "drafts=2", "variants in matrix order, one per task");
            variants[0]!["metrics"]!["problems"]!.GetValue<double>().Should().Be(3);
        }
        (await SeidrProcess.RunAsync(["runs", "--store", store])).Out.Should().Contain("slurm-77").And.Contain("6/6").And.Contain("completed");
        // An array larger than the matrix: the task without a variant says so, naming the file and the matrix.
        var extra = await SeidrProcess.RunAsync(["run", "workflows/quickstart.yaml", "--shard", "2/3", "--shard-by", "variant", "--quiet"]);
        extra.Exit.Should().Be(1, extra.Out + extra.Err);
        extra.Err.Should().Contain("quickstart.yaml").And.Contain("experiment.matrix").And.Contain("has no variant").And.Contain("--array=0-1");
        Directory.Delete(dir, true);
    }

    private static async Task<string> Git(string repo, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repo };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = await p.StandardOutput.ReadToEndAsync();
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        p.ExitCode.Should().Be(0, $"git {string.Join(' ', args)}: {err}");
        return text;
    }

    /// <summary>A local port nothing listens on.</summary>
    private static int ClosedPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
