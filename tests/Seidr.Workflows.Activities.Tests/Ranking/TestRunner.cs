using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Activities.Tests.Ranking;

/// <summary>A sandboxed runner for tests (bubblewrap when available, else resource limits, quietly).</summary>
internal static class TestRunner
{
    public static Task<SandboxRunner> StartAsync() => SandboxRunner.StartAsync(new RunnerOptions { OnWarning = _ => { } });
}
