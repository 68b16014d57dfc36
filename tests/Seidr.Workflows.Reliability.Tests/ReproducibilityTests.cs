using Seidr.Workflows.Persistence.Tests.Support;
using Seidr.Workflows.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Seidr.Workflows.Reliability.Tests;

/// <summary>
/// The same workflow, seed and server answers give the same summary metrics (time fields aside), byte for byte, at any
/// concurrency and after a kill -9 and a resume. The workflow loops (draft, execute, rank, draft again from the beam)
/// so that timing could matter if anything depended on it.
/// </summary>
public sealed class ReproducibilityTests(ITestOutputHelper log) : IDisposable
{
    private const int Problems = 24;
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-repro-").FullName;

    [Fact]
    public async Task Concurrency_1_8_and_64_give_byte_identical_metrics_and_the_same_flows()
    {
        using var server = LoopbackLlm.Start("--latency", "0.05");
        var workflow = Loop(server.BaseUrl);
        var outputs = new Dictionary<int, RunOutput>();
        foreach (var flows in new[] { 1, 8, 64 })
        {
            var outDir = Path.Combine(_dir, $"c{flows}");
            var (exit, stdout, stderr) = await SeidrProcess.RunAsync(["run", workflow, "--out", outDir, "--max-flows", flows.ToString(), "--cache", "off", "--quiet"]);
            exit.Should().Be(0, stdout + stderr);
            outputs[flows] = RunOutput.Read(outDir);
            log.WriteLine($"{flows} flows at once: {outputs[flows].MetricsWithoutTime()}");
        }
        outputs[1].Metric("programs").Should().BeGreaterThan(Problems * 2, "the loop drafts again for unsolved problems");
        outputs[8].MetricsWithoutTime().Should().Be(outputs[1].MetricsWithoutTime());
        outputs[64].MetricsWithoutTime().Should().Be(outputs[1].MetricsWithoutTime());
        outputs[8].FlowOutcomes().Should().Equal(outputs[1].FlowOutcomes());
        outputs[64].FlowOutcomes().Should().Equal(outputs[1].FlowOutcomes());
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(2)]
    [InlineData(16)]
    public async Task Kill_9_and_resume_give_the_uninterrupted_runs_metrics(int flows)
    {
        using var server = LoopbackLlm.Start("--latency", "0.1");
        var workflow = Loop(server.BaseUrl);
        var whole = Path.Combine(_dir, $"whole{flows}");
        var (exit, stdout, stderr) = await SeidrProcess.RunAsync(["run", workflow, "--out", whole, "--max-flows", flows.ToString(), "--quiet"]);
        exit.Should().Be(0, stdout + stderr);

        var killed = Path.Combine(_dir, $"killed{flows}");
        using (var run = SeidrProcess.Start(["run", workflow, "--out", killed, "--max-flows", flows.ToString(), "--run-id", "k", "--quiet"]))
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!run.HasExited && DateTime.UtcNow < deadline && SeidrProcess.Count(Path.Combine(killed, "run.db"), "select count(*) from flows") < Problems / 3)
                await Task.Delay(20);
            run.HasExited.Should().BeFalse("the run is killed while it runs");
            run.Kill9();
        }
        var stored = SeidrProcess.Count(Path.Combine(killed, "run.db"), "select count(*) from flows");
        log.WriteLine($"{flows} flows at once: killed with {stored} flows stored");
        (exit, stdout, stderr) = await SeidrProcess.RunAsync(["run", "--resume", "k", "--out", killed, "--quiet"]);
        exit.Should().Be(0, stdout + stderr);
        RunOutput.Read(killed).MetricsWithoutTime().Should().Be(RunOutput.Read(whole).MetricsWithoutTime());
        RunOutput.Read(killed).FlowOutcomes().Should().Equal(RunOutput.Read(whole).FlowOutcomes());
    }

    /// <summary>Draft 2, execute on the examples, rank with a beam of 1, draft again until solved or 6 programs.</summary>
    private string Loop(string baseUrl)
    {
        var workflow = DraftWorkflow.Write(_dir, baseUrl, Problems, drafts: 2, concurrency: 4, maxConcurrency: 32,
            experimentExtra: "budget: {max_programs: 6}", id: "loop");
        var text = File.ReadAllText(workflow)
            .Replace("- id: submit\n  type: Seidr.Submit", "- id: rank\n  type: Seidr.Rank\n  inputs:\n    beam_width: 1\n- id: submit\n  type: Seidr.Submit")
            .Replace("- execute.Done -> submit", "- execute.Done -> rank\n- rank.Solved -> submit\n- rank.Exhausted -> submit\n- rank.Beam -> draft");
        File.WriteAllText(workflow, text);
        return workflow;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
