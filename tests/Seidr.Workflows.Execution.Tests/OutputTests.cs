using System.Text.Json;

namespace Seidr.Workflows.Execution.Tests;

public sealed class OutputComparisonTests
{
    [Theory]
    [InlineData("1 2 3\n", "1 2 3\n", true, true)]
    [InlineData("1 2 3\n", "1 2 3", false, true)]
    [InlineData("1 2 3\n", "1  2\t3 \r\n\n", false, true)]
    [InlineData("1\n2\n", "1 2", false, true)]
    [InlineData("0.333333", "0.3333333333", false, true)]
    [InlineData("1e9", "1000000001", false, true)]
    [InlineData("0.5", "0.6", false, false)]
    [InlineData("YES", "yes", false, false)]
    [InlineData("1 2", "1 2 3", false, false)]
    [InlineData("nan", "nan", true, true)]
    [InlineData("nan", "NaN", false, false)]
    [InlineData("inf", "inf", true, true)]
    public void Exact_and_tolerant(string expected, string actual, bool exact, bool tolerant)
    {
        OutputComparison.Exact.Matches(expected, actual).Should().Be(exact);
        OutputComparison.Default.Matches(expected, actual).Should().Be(tolerant);
    }
}

public sealed class ExecJsonTests
{
    [Fact]
    public void Prints_the_documented_fields()
    {
        var json = ExecJson.Serialize(new ProgramRun(ProgramStatus.OutputLimit, null, "a\"b", "<err>", 12.3456) { Message = "too much" });
        using var doc = JsonDocument.Parse(json);
        doc.RootElement.EnumerateObject().Select(p => p.Name).Should().Equal("status", "exitCode", "stdout", "stderr", "wallMs", "message");
        doc.RootElement.GetProperty("status").GetString().Should().Be("output-limit");
        doc.RootElement.GetProperty("exitCode").ValueKind.Should().Be(JsonValueKind.Null);
        doc.RootElement.GetProperty("stdout").GetString().Should().Be("a\"b");
        doc.RootElement.GetProperty("wallMs").GetDouble().Should().Be(12.346);
        json.Should().Contain("<err>");
    }
}
