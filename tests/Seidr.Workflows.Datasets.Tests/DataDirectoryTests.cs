using Seidr.Workflows.Datasets.Loading;

namespace Seidr.Workflows.Datasets.Tests;

/// <summary>Where the data folder is found: the repository's <c>data/</c>, unless SEIDR_DATA or the configuration says otherwise.</summary>
[Collection("environment")] // SEIDR_DATA is process-wide: no test that reads it may run meanwhile
public sealed class DataDirectoryTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("seidr-data-dir-").FullName;
    private readonly string? _saved = Environment.GetEnvironmentVariable("SEIDR_DATA");

    public DataDirectoryTests() => Environment.SetEnvironmentVariable("SEIDR_DATA", null);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("SEIDR_DATA", _saved);
        Directory.Delete(_temp, recursive: true);
    }

    [Fact]
    public void The_repository_data_folder_is_found_from_any_folder_inside_it_and_holds_every_built_in_dataset()
    {
        var nested = Path.Combine(Repo.Root, "workflows", "problems");
        DatasetCatalog.ResolveDataDirectory(nested).Should().Be(Path.Combine(Repo.Root, "data"));
        var catalog = new DatasetCatalog(DatasetCatalog.ResolveDataDirectory(Repo.Root));
        foreach (var name in DatasetCatalog.BuiltIn.Keys)
            catalog.Check(name, Repo.Root).Should().BeNull($"data/ ships {name}");
        File.Exists(Path.Combine(Repo.Root, "data", "README.md")).Should().BeTrue("each file's source and license are written down");
    }

    [Fact]
    public void A_folder_with_data_humaneval_is_found_outside_a_repository()
    {
        Directory.CreateDirectory(Path.Combine(_temp, "data", "humaneval"));
        var deep = Directory.CreateDirectory(Path.Combine(_temp, "experiments", "one")).FullName;
        DatasetCatalog.ResolveDataDirectory(deep).Should().Be(Path.Combine(_temp, "data"));
    }

    [Fact]
    public void Seidr_data_wins_over_the_configuration_which_wins_over_the_repository()
    {
        DatasetCatalog.ResolveDataDirectory(Repo.Root, "elsewhere").Should().Be(Path.Combine(Repo.Root, "elsewhere"), "a configured path is relative to the project");
        Environment.SetEnvironmentVariable("SEIDR_DATA", _temp);
        DatasetCatalog.ResolveDataDirectory(Repo.Root, "elsewhere").Should().Be(_temp);
        DatasetCatalog.FindDataDirectory().Should().Be(_temp);
        new DatasetCatalog(_temp).Check("humaneval", Repo.Root).Should().Contain(Path.Combine(_temp, "humaneval", "HumanEval.jsonl.gz"))
            .And.Contain("SEIDR_DATA", "the error says how to point at the data");
    }
}

[CollectionDefinition("environment", DisableParallelization = true)]
public sealed class EnvironmentCollection;
