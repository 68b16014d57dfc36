using System.Collections.Immutable;
using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Persistence.Tests.Support;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Persistence.Tests;

/// <summary>
/// The writer's fast paths (raw SQLite statements, PostgreSQL binary COPY, hand-written JSON, its own UUIDs) store
/// exactly what EF Core and <see cref="StoreJson"/> store: every column of every table, compared value by value.
/// </summary>
public abstract class WriterEquivalenceContract
{
    protected abstract StoreLocation NewLocation();

    private static readonly Guid Session = Guid.Parse("0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b");

    // Values with edges: nulls and non-nulls, non-ASCII and characters JSON escapes, decimals of several scales,
    // doubles without a short form, 7 digits of fractional seconds, long texts.
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 11, 23, 15, 4, 5, TimeSpan.Zero).AddTicks(1234567);
    private static readonly string Long = string.Concat(Enumerable.Repeat("def f(x):\n    return x * 2  # é ✓ \"q\" <a&b>\n", 400));

    private static List<CandidateRow> Candidates(string run) =>
    [
        new() { RunId = run, VariantId = "v=1", ProblemId = "P/0", CandidateId = "draft#0.0", Kind = "program", Content = Long, ParentId = null, Stage = "draft", Model = null, Prompt = null, Generation = 0, Score = null, TagsJson = "{}", CreatedAt = At },
        new() { RunId = run, VariantId = "v=1", ProblemId = "P/0", CandidateId = "repair#1.1", Kind = "program", Content = "ünïcødé 🚀\t\"", ParentId = "draft#0.0", Stage = "repair", Model = "gpt-x", Prompt = "repair", Generation = 3, Score = 0.1 + 0.2, TagsJson = "{\"k\":\"v\"}", CreatedAt = At.AddMilliseconds(1) },
    ];

    private static List<ExecutionRow> Executions(string run, Guid a, Guid b) =>
    [
        new() { Id = a, RunId = run, VariantId = "v=1", ProblemId = "P/0", CandidateId = "draft#0.0", Score = null, Passed = 0, Total = 0, ResultsJson = "[]", At = At },
        new() { Id = b, RunId = run, VariantId = "v=1", ProblemId = "P/0", CandidateId = "repair#1.1", Score = 1.0 / 3, Passed = 2, Total = 3, ResultsJson = Long, At = At.AddTicks(1) },
    ];

    private static List<ModelCallRow> Calls(string run, Guid a, Guid b, Guid c) =>
    [
        new() { Id = a, RunId = run, VariantId = "v=1", ProblemId = "P/0", ActivityId = "draft", Model = "m", Calls = 1, InputTokens = 5_000_000_000, OutputTokens = 0, Cost = 0.1m, LatencyMs = 1234.5678, Cached = false, Prompt = null, AnswersJson = null, At = At },
        new() { Id = b, RunId = run, VariantId = "v=1", ProblemId = "P/0", ActivityId = "repair", Model = "m", Calls = 2, InputTokens = 1, OutputTokens = 2, Cost = 12.340000m, LatencyMs = 0, Cached = true, Prompt = "repair", AnswersJson = "[\"a\"]", At = At },
        new() { Id = c, RunId = run, VariantId = "v=1", ProblemId = "P/1", ActivityId = "x", Model = "m", Calls = 0, InputTokens = 0, OutputTokens = 0, Cost = 0m, LatencyMs = double.Epsilon, Cached = false, At = At.AddDays(-400) },
    ];

    private static List<EventRow> Events(string run, Guid a, Guid b) =>
    [
        new() { Id = a, RunId = run, SessionId = Session, Type = "RunStarted", VariantId = null, ProblemId = null, ActivityId = null, Iteration = null, Data = "{\"problems\":2}", At = At },
        new() { Id = b, RunId = run, SessionId = Session, Type = "ActivityCompleted", VariantId = "v=1", ProblemId = "P/0", ActivityId = "score", Iteration = 7, Data = null, At = At },
    ];

    private static List<FlowRow> Flows(string run) =>
    [
        new() { RunId = run, VariantId = "v=1", ProblemId = "P/0", Status = "Completed", SolvedByGeneratedTests = true, SolvedByHiddenTests = null, Programs = 100, Calls = 3, CachedCalls = 1, InputTokens = 10, OutputTokens = 20, Cost = 1.000000000000000000001m, Seconds = 12.5, Error = null, ExhaustedLimit = "max_programs", BestCandidateId = "repair#1.1", ResultJson = Long, SessionId = Session, CompletedAt = At },
        new() { RunId = run, VariantId = "v=1", ProblemId = "P/1", Status = "Failed", SolvedByGeneratedTests = false, SolvedByHiddenTests = false, Programs = 0, Calls = 0, CachedCalls = 0, InputTokens = 0, OutputTokens = 0, Cost = -0.5m, Seconds = 1e-9, Error = "boom ✗", ExhaustedLimit = null, BestCandidateId = null, ResultJson = "{}", SessionId = Guid.Empty, CompletedAt = At },
    ];

    [Fact]
    public async Task Rows_written_by_the_bulk_inserter_equal_rows_written_by_EF_Core_column_by_column()
    {
        var store = await RunStore.OpenAsync(NewLocation());
        Guid G(int i) => Guid.Parse($"0190abcd-ef00-7000-8000-{i:d12}");

        await using (var ctx = store.NewContext())
        {
            ctx.AddRange(Candidates("ef"));
            ctx.AddRange(Executions("ef", G(1), G(2)));
            ctx.AddRange(Calls("ef", G(3), G(4), G(7)));
            ctx.AddRange(Events("ef", G(5), G(6)));
            ctx.AddRange(Flows("ef"));
            ctx.ChangeTracker.DetectChanges();
            await ctx.SaveChangesAsync();
        }
        await using (var ctx = store.NewContext())
        {
            var connection = ctx.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var inserter = new BulkInserter(ctx, connection);
            await using var tx = await connection.BeginTransactionAsync();
            await inserter.InsertAsync(Candidates("bulk"), tx);
            await inserter.InsertAsync(Executions("bulk", G(11), G(12)), tx);
            await inserter.InsertAsync(Calls("bulk", G(13), G(14), G(17)), tx);
            await inserter.InsertAsync(Events("bulk", G(15), G(16)), tx);
            await inserter.InsertAsync(Flows("bulk"), tx);
            await tx.CommitAsync();
        }

        await using (var ctx = store.NewContext())
        {
            var connection = ctx.Database.GetDbConnection();
            await connection.OpenAsync();
            foreach (var table in new[] { "candidates", "executions", "model_calls", "events", "flows" })
            {
                var ef = await DumpAsync(connection, table, "ef");
                var bulk = await DumpAsync(connection, table, "bulk");
                ef.Should().NotBeEmpty();
                bulk.Should().Equal(ef, "every column of {0} must be stored as EF Core stores it", table);
            }
            // The ids themselves: the same text form (SQLite) or type (PostgreSQL) as EF's.
            (await DumpAsync(connection, "executions", "bulk", keepId: true)).Select(r => r.Replace("-000000000011", "-000000000001").Replace("-000000000012", "-000000000002"))
                .Should().Equal(await DumpAsync(connection, "executions", "ef", keepId: true));
        }

        // And EF reads them back equal.
        await using (var ctx = store.NewContext())
        {
            var ef = await ctx.Flows.Where(f => f.RunId == "ef").OrderBy(f => f.ProblemId).ToListAsync();
            var bulk = await ctx.Flows.Where(f => f.RunId == "bulk").OrderBy(f => f.ProblemId).ToListAsync();
            bulk.Should().BeEquivalentTo(ef, o => o.Excluding(f => f.RunId));
            var efCalls = await ctx.ModelCalls.Where(c => c.RunId == "ef").OrderBy(c => c.ActivityId).ToListAsync();
            var bulkCalls = await ctx.ModelCalls.Where(c => c.RunId == "bulk").OrderBy(c => c.ActivityId).ToListAsync();
            bulkCalls.Should().BeEquivalentTo(efCalls, o => o.Excluding(c => c.RunId).Excluding(c => c.Id));
        }
    }

    /// <summary>A table's rows of one run as text: every column's value with its runtime type, the run id (and the id) left out.</summary>
    private static async Task<List<string>> DumpAsync(DbConnection connection, string table, string run, bool keepId = false)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table} WHERE run_id = '{run}'";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var cells = new List<string>();
            for (int i = 0; i < reader.FieldCount; i++)
            {
                var name = reader.GetName(i);
                if (name == "run_id" || (name == "id" && !keepId)) continue;
                var value = reader.GetValue(i);
                cells.Add($"{name}={value.GetType().Name}:{Convert.ToString(value, CultureInfo.InvariantCulture)}");
            }
            rows.Add(string.Join(" | ", cells));
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}

public sealed class SqliteWriterEquivalenceTests : WriterEquivalenceContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("seidr-store-eq-").FullName;
    protected override StoreLocation NewLocation() => StoreLocation.Sqlite(Path.Combine(_dir, "run.db"));
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }
}

[Trait("Category", "Postgres")]
public sealed class PostgresWriterEquivalenceTests(PostgresServer server) : WriterEquivalenceContract, IClassFixture<PostgresServer>
{
    protected override StoreLocation NewLocation() => StoreLocation.Parse(server.NewDatabase());
}

/// <summary>The writer's JSON and ids are what <see cref="StoreJson"/> and <see cref="Guid.CreateVersion7()"/> give.</summary>
public sealed class StoreJsonWriterTests
{
    [Fact]
    public void Per_test_results_are_written_as_StoreJson_serializes_them()
    {
        var writer = new StoreJsonWriter();
        ImmutableArray<TestResult>[] cases =
        [
            [],
            [new TestResult("assert f() == 1", TestStatus.Passed)],
            [
                new TestResult("assert f(\"é\") == '<&>'\n", TestStatus.Failed) { Expected = "'<&>'", Actual = "\"x\"\t✓ 🚀", Message = "AssertionError: \u0001 \\ /" },
                new TestResult("", TestStatus.Timeout) { Message = "" },
                new TestResult("t", TestStatus.OutputLimit) { Expected = null, Actual = "1" },
            ],
        ];
        foreach (var results in cases)
        {
            writer.Results(results).Should().Be(StoreJson.Serialize(results));
            StoreJson.Deserialize<ImmutableArray<TestResult>>(writer.Results(results)).Should().Equal(results);
        }
    }

    [Fact]
    public void Event_documents_are_written_as_a_JsonObject_with_the_store_options_writes_them()
    {
        var writer = new StoreJsonWriter();
        foreach (var ms in new[] { 0.0, 1.0, 0.1 + 0.2, 123456.789, 1e-7, 1e21 })
        {
            var json = writer.Begin();
            json.WriteNumber("ms", Math.Round(ms, 3));
            json.WriteStartObject("emitted");
            json.WriteNumber("Done", 10);
            json.WriteNumber("Exhausted ✓ \"<>\"", 0);
            json.WriteEndObject();
            writer.End().Should().Be(new JsonObject
            {
                ["ms"] = Math.Round(ms, 3),
                ["emitted"] = new JsonObject { ["Done"] = 10, ["Exhausted ✓ \"<>\""] = 0 },
            }.ToJsonString(StoreJson.Options));
        }
        foreach (var text in new[] { "plain", "é ✓ 🚀 <a href='x'>&amp;</a>", "line\nbreak\t\"quoted\" \\ \u0001", "" })
        {
            writer.Begin().WriteString("error", text);
            writer.End().Should().Be(new JsonObject { ["error"] = text }.ToJsonString(StoreJson.Options));
        }
    }

    [Fact]
    public void Ids_are_version_7_UUIDs_with_the_time_first_and_differ()
    {
        var source = new Uuid7Source();
        var at = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 10_000).Select(_ => source.Next(at)).ToList();
        ids.Should().OnlyHaveUniqueItems();
        var reference = Guid.CreateVersion7(at);
        foreach (var id in ids.Take(100))
        {
            id.Version.Should().Be(7);
            (id.Variant & 0xC).Should().Be(0x8, "the RFC 9562 variant (10xx)");
            (reference.Variant & 0xC).Should().Be(0x8);
            id.ToString()[..13].Should().Be(reference.ToString()[..13], "the first 48 bits are the Unix milliseconds");
        }
    }
}
