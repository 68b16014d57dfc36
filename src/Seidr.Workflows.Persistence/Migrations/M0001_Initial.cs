using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Seidr.Workflows.Persistence.Migrations;

/// <summary>
/// The first schema. Written by hand with CLR types only (no store types, no provider annotations), so the same
/// migration creates the same tables on SQLite and PostgreSQL: each provider maps the CLR types itself.
/// </summary>
[DbContext(typeof(RunStoreContext))]
[Migration("20260401000000_Initial")]
internal sealed class M0001_Initial : Migration
{
    protected override void Up(MigrationBuilder m)
    {
        m.CreateTable("runs", t => new
        {
            id = t.Column<string>(),
            workflow_id = t.Column<string>(),
            workflow_name = t.Column<string>(nullable: true),
            workflow_path = t.Column<string>(),
            workflow_text = t.Column<string>(),
            git_commit = t.Column<string>(nullable: true),
            matrix_json = t.Column<string>(),
            settings_json = t.Column<string>(),
            seed = t.Column<int>(),
            total_problems = t.Column<int>(),
            total_variants = t.Column<int>(),
            created_at = t.Column<DateTimeOffset>(),
        }, constraints: t => t.PrimaryKey("pk_runs", x => x.id));

        m.CreateTable("sessions", t => new
        {
            id = t.Column<Guid>(),
            run_id = t.Column<string>(),
            shard_index = t.Column<int>(),
            shard_count = t.Column<int>(),
            host = t.Column<string>(),
            pid = t.Column<int>(),
            resumed = t.Column<bool>(),
            started_at = t.Column<DateTimeOffset>(),
            last_seen_at = t.Column<DateTimeOffset>(),
            ended_at = t.Column<DateTimeOffset>(nullable: true),
            status = t.Column<string>(),
        }, constraints: t => t.PrimaryKey("pk_sessions", x => x.id));
        m.CreateIndex("ix_sessions_run", "sessions", "run_id");

        m.CreateTable("variants", t => new
        {
            run_id = t.Column<string>(),
            variant_id = t.Column<string>(),
            ordinal = t.Column<int>(),
            axes_json = t.Column<string>(),
        }, constraints: t => t.PrimaryKey("pk_variants", x => new { x.run_id, x.variant_id }));

        m.CreateTable("problems", t => new
        {
            run_id = t.Column<string>(),
            problem_id = t.Column<string>(),
            ordinal = t.Column<int>(),
            dataset = t.Column<string>(nullable: true),
            entry_point = t.Column<string>(nullable: true),
            prompt = t.Column<string>(nullable: true),
        }, constraints: t => t.PrimaryKey("pk_problems", x => new { x.run_id, x.problem_id }));

        m.CreateTable("flows", t => new
        {
            run_id = t.Column<string>(),
            variant_id = t.Column<string>(),
            problem_id = t.Column<string>(),
            status = t.Column<string>(),
            solved_by_generated_tests = t.Column<bool>(),
            solved_by_hidden_tests = t.Column<bool>(nullable: true),
            programs = t.Column<int>(),
            calls = t.Column<int>(),
            cached_calls = t.Column<int>(),
            input_tokens = t.Column<long>(),
            output_tokens = t.Column<long>(),
            cost = t.Column<decimal>(),
            seconds = t.Column<double>(),
            error = t.Column<string>(nullable: true),
            exhausted_limit = t.Column<string>(nullable: true),
            best_candidate_id = t.Column<string>(nullable: true),
            result_json = t.Column<string>(),
            session_id = t.Column<Guid>(),
            completed_at = t.Column<DateTimeOffset>(),
        }, constraints: t => t.PrimaryKey("pk_flows", x => new { x.run_id, x.variant_id, x.problem_id }));

        m.CreateTable("candidates", t => new
        {
            run_id = t.Column<string>(),
            variant_id = t.Column<string>(),
            problem_id = t.Column<string>(),
            candidate_id = t.Column<string>(),
            kind = t.Column<string>(),
            content = t.Column<string>(),
            parent_id = t.Column<string>(nullable: true),
            stage = t.Column<string>(),
            model = t.Column<string>(nullable: true),
            prompt = t.Column<string>(nullable: true),
            generation = t.Column<int>(),
            score = t.Column<double>(nullable: true),
            tags_json = t.Column<string>(),
            created_at = t.Column<DateTimeOffset>(),
        }, constraints: t => t.PrimaryKey("pk_candidates", x => new { x.run_id, x.variant_id, x.problem_id, x.candidate_id }));

        m.CreateTable("executions", t => new
        {
            id = t.Column<Guid>(),
            run_id = t.Column<string>(),
            variant_id = t.Column<string>(),
            problem_id = t.Column<string>(),
            candidate_id = t.Column<string>(),
            score = t.Column<double>(nullable: true),
            passed = t.Column<int>(),
            total = t.Column<int>(),
            results_json = t.Column<string>(),
            at = t.Column<DateTimeOffset>(),
        }, constraints: t => t.PrimaryKey("pk_executions", x => x.id));
        m.CreateIndex("ix_executions_flow", "executions", ["run_id", "variant_id", "problem_id"]);

        m.CreateTable("model_calls", t => new
        {
            id = t.Column<Guid>(),
            run_id = t.Column<string>(),
            variant_id = t.Column<string>(),
            problem_id = t.Column<string>(),
            activity_id = t.Column<string>(),
            model = t.Column<string>(),
            calls = t.Column<int>(),
            input_tokens = t.Column<long>(),
            output_tokens = t.Column<long>(),
            cost = t.Column<decimal>(),
            latency_ms = t.Column<double>(),
            cached = t.Column<bool>(),
            prompt = t.Column<string>(nullable: true),
            answers_json = t.Column<string>(nullable: true),
            at = t.Column<DateTimeOffset>(),
        }, constraints: t => t.PrimaryKey("pk_model_calls", x => x.id));
        m.CreateIndex("ix_model_calls_flow", "model_calls", ["run_id", "variant_id", "problem_id"]);

        m.CreateTable("events", t => new
        {
            id = t.Column<Guid>(),
            run_id = t.Column<string>(),
            session_id = t.Column<Guid>(),
            type = t.Column<string>(),
            variant_id = t.Column<string>(nullable: true),
            problem_id = t.Column<string>(nullable: true),
            activity_id = t.Column<string>(nullable: true),
            iteration = t.Column<int>(nullable: true),
            data = t.Column<string>(nullable: true),
            at = t.Column<DateTimeOffset>(),
        }, constraints: t => t.PrimaryKey("pk_events", x => x.id));
        m.CreateIndex("ix_events_flow", "events", ["run_id", "variant_id", "problem_id"]);
    }

    protected override void Down(MigrationBuilder m)
    {
        foreach (var table in new[] { "events", "model_calls", "executions", "candidates", "flows", "problems", "variants", "sessions", "runs" })
            m.DropTable(table);
    }
}
