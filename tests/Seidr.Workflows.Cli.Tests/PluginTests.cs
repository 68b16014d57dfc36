using Seidr.Workflows.Runtime;
using Seidr.Workflows.Runtime.Plugins;

namespace Seidr.Workflows.Cli.Tests;

/// <summary>
/// Activities from plugins (class libraries outside seidr): found through experiment.plugins, --plugin and the tool's
/// plugins/ folder; every way a plugin can be unusable is an error that names it.
/// </summary>
public sealed class PluginTests : IDisposable
{
    private static readonly string SamplePlugin = Seidr.Path_("samples", "Seidr.Samples.Stages", "plugin", "Seidr.Samples.Stages.dll");
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-plugins-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>samples/lab.yaml copied into the temporary folder with <paramref name="plugins"/> as its plugins setting.</summary>
    private string Workflow(string plugins)
    {
        var yaml = File.ReadAllText(Seidr.Path_("samples", "lab.yaml"))
            .Replace("  plugins: [Seidr.Samples.Stages/plugin/Seidr.Samples.Stages.dll]", plugins)
            .Replace("../workflows/models/", Seidr.Path_("workflows", "models") + "/");
        var path = Path.Combine(_dir, "lab.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Errors(string workflow) =>
        string.Join("\n", ExperimentRunner.Validate(workflow).Select(d => d.ToString()));

    [Fact]
    public void A_plugin_that_does_not_exist_is_an_error_naming_it()
    {
        var errors = Errors(Workflow("  plugins: [nowhere/My.Stages.dll]"));
        errors.Should().Contain("lab.yaml:11:3: error: plugin 'nowhere/My.Stages.dll': plugin not found (looked for " + Path.Combine(_dir, "nowhere", "My.Stages.dll") + ") (at experiment.plugins)");
        errors.Should().Contain("unknown activity type 'Lab.MaxLines'");
    }

    [Fact]
    public void A_file_that_is_not_an_assembly_is_an_error()
    {
        File.WriteAllText(Path.Combine(_dir, "fake.dll"), "not a library");
        Errors(Workflow("  plugins: [fake.dll]")).Should().Contain("error: plugin 'fake.dll': not a .NET assembly (at experiment.plugins)");
    }

    [Fact]
    public void An_assembly_without_activities_is_an_error()
    {
        var none = Path.Combine(AppContext.BaseDirectory, "CliWrap.dll");
        Errors(Workflow($"  plugins: ['{none}']")).Should().Contain($"error: plugin '{none}': CliWrap has no activity (a public class deriving from Seidr.Workflows.Engine.Activity with an [Activity] attribute)");
    }

    [Fact]
    public void An_activity_type_that_is_taken_is_an_error_naming_its_owner()
    {
        // The same plugin under a second name: its Lab.MaxLines is already defined by the first.
        File.Copy(SamplePlugin, Path.Combine(_dir, "Copy.dll"));
        var errors = Errors(Workflow($"  plugins: ['{SamplePlugin}', Copy.dll]"));
        errors.Should().Contain("error: plugin 'Copy.dll': activity type 'Lab.MaxLines' is already defined by Seidr.Samples.Stages (" + SamplePlugin + ")");
        errors.Should().NotContain("unknown activity type", "the first copy gives the workflow its activity");
    }

    [Fact]
    public void A_plugins_setting_that_is_not_a_list_of_paths_is_an_error()
    {
        Errors(Workflow("  plugins: My.Stages.dll")).Should().Contain("lab.yaml:11:12: error: expected a list of paths to .dll files (relative to the workflow), e.g. plugins: [../stages/bin/My.Stages.dll] (at experiment.plugins)");
    }

    [Fact]
    public void A_plugin_folder_lists_its_libraries_and_a_missing_one_none()
    {
        File.Copy(SamplePlugin, Path.Combine(_dir, "B.dll"));
        File.WriteAllText(Path.Combine(_dir, "A.dll"), "");
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "");
        ActivityPlugins.InDirectory(_dir).Select(Path.GetFileName).Should().Equal("A.dll", "B.dll");
        ActivityPlugins.InDirectory(Path.Combine(_dir, "absent")).Should().BeEmpty();
    }

    [Fact]
    public async Task The_cli_lists_validates_and_describes_plugin_activities()
    {
        var list = await Seidr.RunAsync(["activities", "--plugin", SamplePlugin]);
        list.ExitCode.Should().Be(0, list.StandardError);
        list.StandardOutput.Should().Contain("Lab.MaxLines").And.Contain("Seidr.Draft");

        var schema = await Seidr.RunAsync(["schema", "--for", "yaml", "--plugin", SamplePlugin]);
        schema.ExitCode.Should().Be(0, schema.StandardError);
        schema.StandardOutput.Should().Contain("\"Lab.MaxLines\"").And.Contain("max_line_count");

        var validate = await Seidr.RunAsync(["validate", "samples/lab.yaml"]);
        validate.ExitCode.Should().Be(0, validate.StandardError);
        validate.StandardOutput.Should().Contain("samples/lab.yaml: ok");

        var missing = await Seidr.RunAsync(["activities", "--plugin", "nowhere.dll"]);
        missing.ExitCode.Should().Be(1, "a plugin that cannot be used is bad input");
        missing.StandardError.Should().Contain("error: plugin nowhere.dll: plugin not found");
    }
}
