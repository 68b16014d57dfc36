using Seidr.Workflows.Serialization;

namespace Seidr.Workflows.Core.Tests;

public class YamlCommentsTests
{
    private const string Canonical = """
        id: demo
        name: Demo
        description: |-
          Line one.

          # not a comment: text of the description
        experiment:
          dataset: humaneval
          problems: 0-4
        activities:
        - id: draft
          type: Seidr.Draft
          inputs:
            prompt: 'humaneval/complete # v2'
          position: [0, 0]
        - id: execute
          type: Seidr.Execute
          position: [240, 0]
        connections:
        - draft.Done -> execute

        """;

    private const string Commented = """
        # An experiment kept in git.
        id: demo
        name: Demo
        description: |-
          Line one.

          # not a comment: text of the description

        experiment:
          dataset: humaneval   # the 164 problems
          problems: 0-4

        activities:
        # First the drafts.
        - id: draft
          type: Seidr.Draft
          inputs:
            prompt: 'humaneval/complete # v2'  # quoted '#' is text
          position: [0, 0]  # left
        - id: execute
          type: Seidr.Execute
          position: [240, 0]
        connections:
        - draft.Done -> execute
        # end
        """ + "\n";

    [Fact]
    public void A_file_without_comments_is_the_rewritten_text()
    {
        YamlComments.Carry(Canonical, Canonical.Replace("[240, 0]", "[300, 0]")).Should().Be(Canonical.Replace("[240, 0]", "[300, 0]"));
    }

    [Fact]
    public void An_unchanged_workflow_gives_back_the_commented_file()
    {
        YamlComments.Carry(Commented, Canonical).Should().Be(Commented);
    }

    [Fact]
    public void Moving_a_node_changes_only_its_position_line_and_keeps_the_trailing_comment()
    {
        var moved = YamlComments.Carry(Commented, Canonical.Replace("position: [0, 0]", "position: [80, 40]"));
        var changed = Commented.Split('\n').Zip(moved.Split('\n')).Where(p => p.First != p.Second).ToList();
        moved.Split('\n').Should().HaveSameCount(Commented.Split('\n'));
        changed.Should().ContainSingle().Which.Second.Should().Be("  position: [80, 40]  # left");
    }

    [Fact]
    public void The_block_of_a_removed_line_moves_to_the_next_line_that_is_still_there()
    {
        var removed = Canonical.Replace("- id: draft\n  type: Seidr.Draft\n  inputs:\n    prompt: 'humaneval/complete # v2'\n  position: [0, 0]\n", "");
        removed.Should().NotBe(Canonical);
        var carried = YamlComments.Carry(Commented, removed);
        carried.Should().Contain("activities:\n# First the drafts.\n- id: execute\n");
        carried.Should().NotContain("# left").And.NotContain("quoted '#'");
        carried.Should().StartWith("# An experiment kept in git.\nid: demo\n").And.EndWith("- draft.Done -> execute\n# end\n");
    }

    [Fact]
    public void A_hash_inside_quotes_or_a_block_scalar_is_text()
    {
        var carried = YamlComments.Carry(Commented, Canonical);
        carried.Should().Contain("  # not a comment: text of the description\n");
        carried.Should().Contain("    prompt: 'humaneval/complete # v2'  # quoted '#' is text\n");
        YamlWorkflowFormat.Read(carried, "demo.yaml").Definition!.Description.Should().Be("Line one.\n\n# not a comment: text of the description");
    }

    [Fact]
    public void Save_keeps_the_comments_of_a_YAML_file_on_disk()
    {
        var dir = Directory.CreateTempSubdirectory("seidr-comments-");
        try
        {
            var path = Path.Combine(dir.FullName, "demo.yaml");
            File.WriteAllText(path, Commented);
            var loaded = WorkflowFile.Load(path).Definition!;
            WorkflowFile.Save(loaded, path);
            File.ReadAllText(path).Should().Be(Commented);
        }
        finally { dir.Delete(recursive: true); }
    }
}
