using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>One runner (bubblewrap required) shared by the tests of the "runner" collection.</summary>
public sealed class RunnerFixture : IAsyncLifetime
{
    public SandboxRunner Runner { get; private set; } = null!;
    public List<string> Warnings { get; } = [];

    public async Task InitializeAsync() =>
        Runner = await SandboxRunner.StartAsync(new RunnerOptions { Sandbox = SandboxMode.Bubblewrap, OnWarning = Warnings.Add });

    public async Task DisposeAsync() => await Runner.DisposeAsync();
}

[CollectionDefinition("runner")]
public sealed class RunnerCollection : ICollectionFixture<RunnerFixture>;

internal static class Data
{
    public static string Dir => SharedData.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("../shared/data not found beside the repository (folder holding Seidr.Workflows.sln)");

    public static string HumanEval(string file) => Path.Combine(Dir, "humaneval", file);
}
