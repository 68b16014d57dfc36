using Microsoft.EntityFrameworkCore;

namespace Seidr.Workflows.Persistence.Tests;

/// <summary>
/// The store's column names come from the shared snake_case converter (Catalog.Naming); stores already on disk name
/// their columns as the migrations do, so the model must name every column byte for byte as before.
/// </summary>
public class ColumnNameTests
{
    // The columns the migrations create (M0001_Initial, M0002_FailedSamples), table by table.
    private static readonly Dictionary<string, string[]> Pinned = new()
    {
        ["runs"] = ["id", "workflow_id", "workflow_name", "workflow_path", "workflow_text", "git_commit", "matrix_json", "settings_json", "seed", "total_problems", "total_variants", "created_at"],
        ["sessions"] = ["id", "run_id", "shard_index", "shard_count", "host", "pid", "resumed", "started_at", "last_seen_at", "ended_at", "status"],
        ["variants"] = ["run_id", "variant_id", "ordinal", "axes_json"],
        ["problems"] = ["run_id", "problem_id", "ordinal", "dataset", "entry_point", "prompt"],
        ["flows"] = ["run_id", "variant_id", "problem_id", "status", "solved_by_generated_tests", "solved_by_hidden_tests", "programs", "calls", "cached_calls", "input_tokens",
            "output_tokens", "cost", "seconds", "error", "exhausted_limit", "best_candidate_id", "result_json", "session_id", "completed_at", "failed_samples", "failed_calls"],
        ["candidates"] = ["run_id", "variant_id", "problem_id", "candidate_id", "kind", "content", "parent_id", "stage", "model", "prompt", "generation", "score", "tags_json", "created_at"],
        ["executions"] = ["id", "run_id", "variant_id", "problem_id", "candidate_id", "score", "passed", "total", "results_json", "at"],
        ["model_calls"] = ["id", "run_id", "variant_id", "problem_id", "activity_id", "model", "calls", "input_tokens", "output_tokens", "cost", "latency_ms", "cached", "prompt",
            "answers_json", "at", "samples", "failed_samples", "error"],
        ["events"] = ["id", "run_id", "session_id", "type", "variant_id", "problem_id", "activity_id", "iteration", "data", "at"],
    };

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.PostgreSql)]
    public void Every_column_is_named_as_the_migrations_name_it(StoreProvider provider)
    {
        // Building the model opens no connection, so no server is needed here.
        var location = provider == StoreProvider.Sqlite ? StoreLocation.Sqlite(Path.Combine(Path.GetTempPath(), "seidr-columns.db"))
            : StoreLocation.Parse("Host=localhost;Database=seidr_columns");
        using var context = RunStoreContext.Create(location);
        var model = context.Model.GetEntityTypes().ToDictionary(
            e => e.GetTableName()!,
            e => e.GetProperties().Select(p => p.GetColumnName()).Order(StringComparer.Ordinal).ToArray());
        model.Keys.Should().BeEquivalentTo(Pinned.Keys);
        foreach (var (table, columns) in Pinned)
            model[table].Should().Equal(columns.Order(StringComparer.Ordinal), $"table {table}");
    }

    [Fact]
    public void The_shared_converter_names_every_property_as_the_stores_own_rule_did()
    {
        using var context = RunStoreContext.Create(StoreLocation.Sqlite(Path.Combine(Path.GetTempPath(), "seidr-columns.db")));
        var names = context.Model.GetEntityTypes().SelectMany(e => e.GetProperties()).Select(p => p.Name).Distinct().ToList();
        names.Should().HaveCountGreaterThan(40);
        foreach (var name in names) Catalog.Naming.ToSnakeCase(name).Should().Be(UpperBoundaries(name), name);
    }

    /// <summary>The store's rule before the converters were merged: an underscore before every upper-case letter but the first.</summary>
    private static string UpperBoundaries(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
