using Seidr.Workflows.Activities.Ranking;

namespace Seidr.Workflows.Activities.Tests.Ranking;

public class CodeTRulesTests
{
    [Fact]
    public void A_test_sample_is_split_on_assert_and_keeps_only_parts_naming_the_entry_point()
    {
        // The prompt ends in an open "assert ", so the sample starts mid-assert.
        const string sample = "add(1, 2) == 3\nassert add(2, 2) == 4\nassert other(1) == 1\nassert add(5, 5) == 10\n\ndef foo():\n    pass\nassert add(\n    1, 1) == 2";
        CodeTRules.SplitTestCases(sample, "add").Should().Equal(
            "assert add(1, 2) == 3",
            "assert add(2, 2) == 4",
            "assert add(5, 5) == 10",          // cut at "\ndef"
            "assert add(\n    1, 1) == 2");    // multi-line cases stay whole
    }

    [Theory]
    [InlineData("f(1) == 2\n# more tests\nassert f(3) == 4", new[] { "assert f(1) == 2", "assert f(3) == 4" })]
    [InlineData("f(1) == 2\nif True:\n    pass", new[] { "assert f(1) == 2" })]
    [InlineData("f(1) == 2\nprint(f(1))", new[] { "assert f(1) == 2" })]
    [InlineData("f(1) == 2\nclass A: pass", new[] { "assert f(1) == 2" })]
    [InlineData("  f(1) == 2   \n\n", new[] { "assert   f(1) == 2" })]
    [InlineData("g(1) == 2\nassert  \nassert f(2) == f(2)\nassert f(2) == f(2)", new[] { "assert f(2) == f(2)", "assert f(2) == f(2)" })]
    [InlineData("\n", new string[0])]
    public void Cases_are_cut_at_the_stop_strings_stripped_and_keep_duplicates(string sample, string[] expected) =>
        CodeTRules.SplitTestCases(sample, "f").Should().Equal(expected);

    [Fact]
    public void The_compile_probe_wraps_the_case_in_try_except_with_continuation_lines_indented() =>
        CodeTRules.CompileProbe("assert f(\n1) == 2").Should().Be("try:\n    assert f(\n    1) == 2\nexcept:\n    pass\n");

    [Fact]
    public void Python_str_strip_whitespace_is_stripped() =>
        CodeTRules.PyStrip("\u00a0\f\v x \x1c\u3000").Should().Be("x");

    [Fact]
    public async Task The_syntax_check_accepts_what_compiles_inside_try_except_and_rejects_the_rest()
    {
        await using var runner = await TestRunner.StartAsync();
        var verdicts = await PythonSyntax.CompilesAsync(runner,
        [
            CodeTRules.CompileProbe("assert f(1) == 2"),
            CodeTRules.CompileProbe("assert f(1 == 2"),
            CodeTRules.CompileProbe("assert f(\n1) == 2"),
            CodeTRules.CompileProbe("assert f(1) == 2 ==="),
            CodeTRules.CompileProbe("assert f('\0') == 1"),
        ], CancellationToken.None);
        verdicts.Should().Equal(true, false, true, false, false); // a NUL byte does not compile
    }

    [Fact]
    public async Task The_syntax_check_of_nothing_runs_nothing()
    {
        await using var runner = await TestRunner.StartAsync();
        (await PythonSyntax.CompilesAsync(runner, [], CancellationToken.None)).Should().BeEmpty();
    }
}
