using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Seidr.Workflows.Persistence.Migrations;

/// <summary>
/// Model samples lost after their retries, per flow and per stored call, so that a store says which flows ran on less
/// than they asked for (and <c>--resume</c> runs them again). CLR types only, as in <see cref="M0001_Initial"/>.
/// </summary>
[DbContext(typeof(RunStoreContext))]
[Migration("20261204000000_FailedSamples")]
internal sealed class M0002_FailedSamples : Migration
{
    protected override void Up(MigrationBuilder m)
    {
        m.AddColumn<int>("failed_samples", "flows", nullable: false, defaultValue: 0);
        m.AddColumn<int>("failed_calls", "flows", nullable: false, defaultValue: 0);
        m.AddColumn<int>("samples", "model_calls", nullable: false, defaultValue: 0);
        m.AddColumn<int>("failed_samples", "model_calls", nullable: false, defaultValue: 0);
        m.AddColumn<string>("error", "model_calls", nullable: true);
    }

    protected override void Down(MigrationBuilder m)
    {
        m.DropColumn("failed_samples", "flows");
        m.DropColumn("failed_calls", "flows");
        m.DropColumn("samples", "model_calls");
        m.DropColumn("failed_samples", "model_calls");
        m.DropColumn("error", "model_calls");
    }
}
