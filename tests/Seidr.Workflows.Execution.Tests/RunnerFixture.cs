using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Execution.Tests;

/// <summary>One runner (bubblewrap required) shared by the tests of the "runner" collection.</summary>
public sealed class RunnerFixture : IAsyncLifetime
{
    public SandboxRunner Runner { get; private set; } = null!;
    public List<string> Warnings { get; } = [];

    /// <summary>A secret in the test process's environment that no sandboxed program may see.</summary>
    public const string Secret = "sk-seidr-test-secret-7f3a9c";

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("SEIDR_TEST_API_KEY", Secret);
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", Secret);
        Runner = await SandboxRunner.StartAsync(new RunnerOptions { Sandbox = SandboxMode.Bubblewrap, OnWarning = Warnings.Add });
    }

    public async Task DisposeAsync() => await Runner.DisposeAsync();
}

[CollectionDefinition("runner")]
public sealed class RunnerCollection : ICollectionFixture<RunnerFixture>;

internal static class Data
{
    /// <summary>The data that ships with the repository (<c>data/</c>, found above the test's base directory).</summary>
    public static string Dir => Seidr.Workflows.Datasets.Loading.DatasetCatalog.ResolveDataDirectory(AppContext.BaseDirectory);

    public static string HumanEval(string file) => Path.Combine(Dir, "humaneval", file);
}
