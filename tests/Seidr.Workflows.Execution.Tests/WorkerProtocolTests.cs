using System.Text.Json;
using System.Text.Json.Nodes;
using Seidr.Workflows.Execution.Worker;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>
/// The typed worker protocol writes the JSON the hand-built dictionaries wrote before it (the worker reads the same
/// requests), and reads the worker's answers as they come (seidr_worker/ops.py).
/// </summary>
public sealed class WorkerProtocolTests
{
    private static readonly ExecutionLimits Limits = new() { WallTimeout = TimeSpan.FromSeconds(2.5), MemoryMb = 512, MaxOutputBytes = 4096, MaxProcesses = 8, MaxFileBytes = 1 << 20 };

    // The limits object as SandboxRunner.LimitsJson built it before the typed records.
    private static Dictionary<string, object?> OldLimits(ExecutionLimits l, TimeSpan? cpuOverride = null) => new()
    {
        ["wall"] = l.WallTimeout.TotalSeconds,
        ["cpu"] = (cpuOverride ?? l.CpuTime ?? l.WallTimeout + TimeSpan.FromSeconds(1)).TotalSeconds,
        ["memMb"] = l.MemoryMb,
        ["outBytes"] = l.MaxOutputBytes,
        ["nproc"] = l.MaxProcesses,
        ["fsize"] = l.MaxFileBytes,
    };

    private static JsonNode Typed(WorkerRequest r) =>
        JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(r with { Id = 7 }, r.GetType(), WorkerJsonContext.Default))!;

    private static JsonNode Old(Dictionary<string, object?> d)
    {
        d["id"] = 7L;
        return JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(d))!;
    }

    private static void Same(WorkerRequest typed, Dictionary<string, object?> old)
    {
        var (a, b) = (Typed(typed), Old(old));
        JsonNode.DeepEquals(a, b).Should().BeTrue($"typed {a.ToJsonString()} must equal old {b.ToJsonString()}");
    }

    [Fact]
    public void Run_request_matches_the_old_wire_format() =>
        Same(new RunProgramRequest("print(1)", "in\n", WorkerLimits.From(Limits)),
            new() { ["op"] = "run", ["src"] = "print(1)", ["stdin"] = "in\n", ["limits"] = OldLimits(Limits) });

    [Fact]
    public void Exec_requests_match_the_old_wire_format()
    {
        Same(new ExecRequest(["/bin/prog"], "", WorkerLimits.From(Limits)),
            new() { ["op"] = "exec", ["argv"] = new[] { "/bin/prog" }, ["stdin"] = "", ["limits"] = OldLimits(Limits) });
        var files = new Dictionary<string, string> { ["main.cpp"] = "int main(){}" };
        Same(new ExecRequest(["g++", "main.cpp"], "", WorkerLimits.From(Limits)) { Files = files, Collect = "a.out" },
            new() { ["op"] = "exec", ["argv"] = new[] { "g++", "main.cpp" }, ["files"] = files, ["collect"] = "a.out", ["stdin"] = "", ["limits"] = OldLimits(Limits) });
    }

    [Fact]
    public void Check_request_matches_the_old_wire_format_with_and_without_lower_after()
    {
        var cpu = TimeSpan.FromSeconds(5);
        var limits = OldLimits(Limits, cpu);
        Same(new CheckRequest("check(f)", 3.0, WorkerLimits.From(Limits, cpu)),
            new() { ["op"] = "check", ["program"] = "check(f)", ["timeout"] = 3.0, ["limits"] = limits });
        var lowered = new Dictionary<string, object?>(limits) { ["lowerAfter"] = 0.5 };
        Same(new CheckRequest("check(f)", 3.0, WorkerLimits.From(Limits, cpu) with { LowerAfter = 0.5 }),
            new() { ["op"] = "check", ["program"] = "check(f)", ["timeout"] = 3.0, ["limits"] = lowered });
    }

    [Fact]
    public void Tests_requests_match_the_old_wire_format_with_and_without_the_tests()
    {
        var req = new TestsRequest("KEY", "def f(): pass", 0.5, 2.5, WorkerLimits.From(Limits), null);
        var old = new Dictionary<string, object?>
        {
            ["op"] = "tests", ["key"] = "KEY", ["src"] = "def f(): pass", ["testTimeout"] = 0.5, ["defTimeout"] = 2.5,
            ["limits"] = OldLimits(Limits), ["maxTimeouts"] = null,
        };
        Same(req, old);
        Same(req with { Tests = ["assert f() is None"] }, new Dictionary<string, object?>(old) { ["tests"] = new[] { "assert f() is None" } });
        Same(req with { MaxTimeouts = 2 }, new Dictionary<string, object?>(old) { ["maxTimeouts"] = 2 });
    }

    [Fact]
    public void Answers_are_read_as_the_worker_writes_them()
    {
        var run = JsonSerializer.Deserialize("""{"status": "timeout", "exitCode": null, "signal": 9, "stdout": "a\u00e9", "stderr": "", "wallMs": 12.5, "outputBytes": 3, "id": 4}""",
            WorkerJsonContext.Default.RunResponse)!;
        run.Should().Be(new RunResponse { Status = "timeout", Signal = 9, Stdout = "aé", WallMs = 12.5, OutputBytes = 3, Id = 4 });

        var check = JsonSerializer.Deserialize("""{"result": "failed: no", "passed": false, "wallMs": 3.25, "exitCode": 0, "signal": null, "killedBy": null, "id": 5}""",
            WorkerJsonContext.Default.CheckResponse)!;
        check.Should().Be(new CheckResponse { Result = "failed: no", WallMs = 3.25, ExitCode = 0, Id = 5 });

        var tests = JsonSerializer.Deserialize("""
            {"results": [[0, "passed", null, null, null, 0.12, ""], [1, "failed", "3", "2", "m", 1.5, "out\n"], null],
             "restarts": 1, "wallMs": 40.0, "id": 6}
            """, WorkerJsonContext.Default.TestsResponse)!;
        tests.Results.Should().Equal(new TestResultRow(0, "passed", null, null, null, 0.12, ""), new TestResultRow(1, "failed", "3", "2", "m", 1.5, "out\n"), null);
        tests.Restarts.Should().Be(1);
        tests.Definition.Should().BeNull();

        var def = JsonSerializer.Deserialize("""{"results": [null], "restarts": 0, "wallMs": 1, "definition": {"def": "timeout", "message": "defining the program timed out"}, "id": 8}""",
            WorkerJsonContext.Default.TestsResponse)!;
        def.Definition.Should().Be(new TestsDefinition("timeout", "defining the program timed out"));
        JsonSerializer.Deserialize("""{"needTests": true, "id": 9}""", WorkerJsonContext.Default.TestsResponse)!.NeedTests.Should().BeTrue();

        var error = JsonSerializer.Deserialize("""{"workerError": "KeyError: 'nope'", "trace": "Traceback ...", "id": 10}""", WorkerJsonContext.Default.CheckResponse)!;
        error.WorkerError.Should().Be("KeyError: 'nope'");

        var ready = JsonSerializer.Deserialize("""{"ready": true, "pid": 2, "version": "3.11.2", "implementation": "CPython", "cleanup": "namespace", "zygote": true, "pinnedPages": 310, "hugeTextBlocks": 2, "fastFork": true}""",
            WorkerJsonContext.Default.WorkerReady)!;
        ready.Should().Be(new WorkerReady { Ready = true, Pid = 2, Version = "3.11.2", Implementation = "CPython", Cleanup = "namespace", Zygote = true, PinnedPages = 310, HugeTextBlocks = 2, FastFork = true });
    }
}
