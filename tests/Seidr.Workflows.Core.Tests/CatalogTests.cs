using Seidr.Workflows.Catalog;
using Seidr.Workflows.Core.Tests.Malformed;
using Seidr.Workflows.Core.Tests.Support;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Core.Tests;

public class CatalogTests
{
    [Fact]
    public void Ports_declared_as_constants_are_the_outcomes_in_declaration_order()
    {
        var d = ActivityCatalog.Describe(typeof(TwoPorts));
        d.Outcomes.Select(o => o.Name).Should().Equal("Kept", "Dropped");
        d.Outcomes[0].Description.Should().Be("What stays.");
        d.PrimaryOutcome.Should().Be("Kept");
    }

    [Fact]
    public void A_port_declared_twice_is_an_error()
    {
        var act = () => ActivityCatalog.Describe(typeof(PortTwice));
        act.Should().Throw<ArgumentException>().WithMessage("*declares the outcome port 'Done' twice*");
    }

    [Fact]
    public void An_outcome_on_a_field_that_is_not_a_const_string_is_an_error()
    {
        var act = () => ActivityCatalog.Describe(typeof(PortNotConst));
        act.Should().Throw<ArgumentException>().WithMessage("*PortNotConst.Done: [Outcome] marks a port name, which must be a const string*");
    }

    [Fact]
    public void An_outcome_naming_another_port_than_its_constant_is_an_error()
    {
        var act = () => ActivityCatalog.Describe(typeof(PortMisnamed));
        act.Should().Throw<ArgumentException>().WithMessage("*[Outcome(\"Other\")] names another port than the constant's value 'Done'*");
    }

    [Fact]
    public void Adding_an_activity_whose_type_name_is_taken_is_an_error()
    {
        var act = () => TestCatalog.Instance.With([ActivityCatalog.Describe(typeof(SecondSubmit))]);
        act.Should().Throw<InvalidOperationException>().WithMessage("two activities share the type name 'Seidr.Submit'");
    }

    [Fact]
    public void Activities_in_an_assembly_are_described_and_a_malformed_one_is_reported()
    {
        // This test assembly holds the malformed activities above: scanning it must say so, not skip them.
        var act = () => ActivityCatalog.ActivitiesIn(typeof(CatalogTests).Assembly);
        act.Should().Throw<ArgumentException>();
        ActivityCatalog.ActivitiesIn(typeof(Submit).Assembly).Select(d => d.TypeName).Should().Equal("Seidr.Complete", "Seidr.Submit");
    }
}
