using Seidr.Workflows.Activities.Ranking;
using Seidr.Workflows.Activities.Tests.Stages.Support;

namespace Seidr.Workflows.Activities.Tests;

/// <summary>
/// A run's verdicts service used after its run disposed it (a stage still running, a host that kept it) refuses,
/// naming itself, rather than serving or keeping entries that nobody frees.
/// </summary>
[Collection("stages")]
public class DisposedRunVerdictsTests(SandboxFixture sandbox)
{
    [Fact]
    public void Each_store_of_a_disposed_service_throws_naming_it()
    {
        var verdicts = new RunVerdicts();
        verdicts.Invoking(v => v.Reports).Should().NotThrow("a live service serves its stores");
        verdicts.Invoking(v => v.Pairs).Should().NotThrow();
        verdicts.Invoking(v => v.SyntaxChecks).Should().NotThrow();

        verdicts.Dispose();

        verdicts.Invoking(v => v.Reports).Should().Throw<ObjectDisposedException>().WithMessage("*RunVerdicts*");
        verdicts.Invoking(v => v.Pairs).Should().Throw<ObjectDisposedException>().WithMessage("*RunVerdicts*");
        verdicts.Invoking(v => v.SyntaxChecks).Should().Throw<ObjectDisposedException>().WithMessage("*RunVerdicts*");
        verdicts.Count.Should().Be(0);
        verdicts.Invoking(v => v.Dispose()).Should().NotThrow("disposing twice is allowed");
    }

    [Fact]
    public async Task A_syntax_check_through_a_disposed_service_throws_and_keeps_nothing()
    {
        var verdicts = new RunVerdicts();
        (await PythonSyntax.CompilesAsync(sandbox.Runner, verdicts, ["x = 1", "x ="], CancellationToken.None)).Should().Equal(true, false);
        verdicts.Count.Should().Be(1, "the live service kept the check");

        verdicts.Dispose();

        var again = () => PythonSyntax.CompilesAsync(sandbox.Runner, verdicts, ["x = 1", "x ="], CancellationToken.None);
        await again.Should().ThrowAsync<ObjectDisposedException>().WithMessage("*RunVerdicts*");
        verdicts.Count.Should().Be(0, "nothing was added to the freed service");
    }
}
