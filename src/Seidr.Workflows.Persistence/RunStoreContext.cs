using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Seidr.Workflows.Persistence;

/// <summary>The database a run store lives in.</summary>
public enum StoreProvider
{
    /// <summary>A SQLite file: one machine, nothing to set up.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server: shards of a run on several machines write to one store.</summary>
    PostgreSql,
}

/// <summary>
/// Where a run store lives: a PostgreSQL connection string (<c>Host=...;Database=...</c>) or a SQLite file path.
/// </summary>
/// <param name="Provider">Which database it is.</param>
/// <param name="ConnectionString">What the provider connects with (it may hold a password).</param>
/// <param name="Display">The location without a password, for messages.</param>
public sealed record StoreLocation(StoreProvider Provider, string ConnectionString, string Display)
{
    /// <summary>A text with <c>key=value</c> pairs naming a host is a PostgreSQL connection string; anything else is a SQLite file path.</summary>
    public static StoreLocation Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var t = text.Trim();
        if (t.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || t.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("a PostgreSQL URI was given: give PostgreSQL as a key=value connection string (Host=...;Port=...;Database=...;Username=...), not a URI");
        if (t.Contains('=') && t.Split(';').Any(p => p.Trim().StartsWith("Host=", StringComparison.OrdinalIgnoreCase) || p.Trim().StartsWith("Server=", StringComparison.OrdinalIgnoreCase)))
            return new StoreLocation(StoreProvider.PostgreSql, t, Redact(t));
        var path = Path.GetFullPath(t);
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        return new StoreLocation(StoreProvider.Sqlite, cs, path);
    }

    /// <summary>A SQLite store at <paramref name="path"/> (relative paths resolved against the working folder).</summary>
    public static StoreLocation Sqlite(string path) => Parse(Path.GetFullPath(path));

    /// <summary>The connection string without its password, for messages.</summary>
    private static string Redact(string cs) =>
        string.Join(';', cs.Split(';').Select(p => p.Trim().StartsWith("Password", StringComparison.OrdinalIgnoreCase) ? "Password=***" : p));

    /// <summary>The location with any password removed, for messages and logs.</summary>
    public override string ToString() => Display;
}

/// <summary>The run store's EF Core model. One model and one migration set for SQLite and PostgreSQL.</summary>
internal sealed class RunStoreContext(DbContextOptions<RunStoreContext> options) : DbContext(options)
{
    public DbSet<RunRow> Runs => Set<RunRow>();
    public DbSet<SessionRow> Sessions => Set<SessionRow>();
    public DbSet<VariantRow> Variants => Set<VariantRow>();
    public DbSet<ProblemRow> Problems => Set<ProblemRow>();
    public DbSet<FlowRow> Flows => Set<FlowRow>();
    public DbSet<CandidateRow> Candidates => Set<CandidateRow>();
    public DbSet<ExecutionRow> Executions => Set<ExecutionRow>();
    public DbSet<ModelCallRow> ModelCalls => Set<ModelCallRow>();
    public DbSet<EventRow> Events => Set<EventRow>();

    public static RunStoreContext Create(StoreLocation location)
    {
        var builder = new DbContextOptionsBuilder<RunStoreContext>();
        if (location.Provider == StoreProvider.PostgreSql) builder.UseNpgsql(location.ConnectionString);
        else builder.UseSqlite(location.ConnectionString);
        // The migrations are written by hand without provider annotations and have no model snapshot (a snapshot is
        // provider-specific); the round-trip tests on both providers check that they match this model.
        builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        return new RunStoreContext(builder.Options);
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<RunRow>(e => { e.ToTable("runs"); e.HasKey(x => x.Id); });
        b.Entity<SessionRow>(e => { e.ToTable("sessions"); e.HasKey(x => x.Id); e.HasIndex(x => x.RunId); });
        b.Entity<VariantRow>(e => { e.ToTable("variants"); e.HasKey(x => new { x.RunId, x.VariantId }); });
        b.Entity<ProblemRow>(e => { e.ToTable("problems"); e.HasKey(x => new { x.RunId, x.ProblemId }); });
        b.Entity<FlowRow>(e => { e.ToTable("flows"); e.HasKey(x => new { x.RunId, x.VariantId, x.ProblemId }); });
        b.Entity<CandidateRow>(e => { e.ToTable("candidates"); e.HasKey(x => new { x.RunId, x.VariantId, x.ProblemId, x.CandidateId }); });
        b.Entity<ExecutionRow>(e => { e.ToTable("executions"); e.HasKey(x => x.Id); e.HasIndex(x => new { x.RunId, x.VariantId, x.ProblemId }); });
        b.Entity<ModelCallRow>(e => { e.ToTable("model_calls"); e.HasKey(x => x.Id); e.HasIndex(x => new { x.RunId, x.VariantId, x.ProblemId }); });
        b.Entity<EventRow>(e => { e.ToTable("events"); e.HasKey(x => x.Id); e.HasIndex(x => new { x.RunId, x.VariantId, x.ProblemId }); });

        foreach (var entity in b.Model.GetEntityTypes())
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(Catalog.Naming.ToSnakeCase(property.Name));
                if (property.ClrType == typeof(Guid)) property.ValueGenerated = Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never;
            }
    }

}
