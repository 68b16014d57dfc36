using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using SQLitePCL;

namespace Seidr.Workflows.Persistence;

/// <summary>
/// One entity type's table as the bulk writers see it: its columns in the model's order, EF's type mapping of each
/// (so that values are stored exactly as EF stores them) and a compiled getter per column (no reflection per value).
/// Built once per entity type and provider.
/// </summary>
internal sealed class TableShape<T> where T : class
{
    private static readonly ConcurrentDictionary<string, TableShape<T>> Shapes = new(StringComparer.Ordinal);

    private TableShape(DbContext ctx)
    {
        var entity = ctx.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var properties = entity.GetProperties().ToArray();
        var sql = ctx.GetService<ISqlGenerationHelper>();
        Table = sql.DelimitIdentifier(entity.GetTableName()!);
        Columns = properties.Select(p => sql.DelimitIdentifier(p.GetColumnName())).ToArray();
        StoreTypes = properties.Select(p => p.GetColumnType()).ToArray();
        var mappings = properties.Select(p => p.GetRelationalTypeMapping()).ToArray();
        Getters = properties.Select((p, i) => Getter(p, mappings[i])).ToArray();
        SqliteBinders = properties.Select((p, i) => SqliteBinder(p, mappings[i], Getters[i])).ToArray();
        InsertSql = $"INSERT INTO {Table} ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select((_, n) => sql.GenerateParameterNamePlaceholder("p" + n)))})";
    }

    public static TableShape<T> Of(DbContext ctx) => Shapes.GetOrAdd(ctx.Database.ProviderName ?? "", _ => new TableShape<T>(ctx));

    public string Table { get; }
    public string[] Columns { get; }
    public string[] StoreTypes { get; }

    /// <summary>Each column's value as EF passes it to the provider (after the mapping's value converter, if any).</summary>
    public Func<T, object?>[] Getters { get; }

    /// <summary>Each column's SQLite binding, typed (no boxing) where the property needs no value converter.</summary>
    internal Func<T, BulkInserter, sqlite3_stmt, int, int>[] SqliteBinders { get; }

    /// <summary>A single-row <c>INSERT</c> of every column, with one parameter per column.</summary>
    public string InsertSql { get; }

    private static Func<T, BulkInserter, sqlite3_stmt, int, int> SqliteBinder(IProperty property, RelationalTypeMapping mapping, Func<T, object?> boxed)
    {
        if (mapping.Converter is not null) return (row, inserter, statement, index) => inserter.Bind(statement, index, boxed(row));
        return (Func<T, BulkInserter, sqlite3_stmt, int, int>)typeof(TableShape<T>).GetMethod(nameof(TypedBinder), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(property.ClrType).Invoke(null, [property])!;
    }

    private static Func<T, BulkInserter, sqlite3_stmt, int, int> TypedBinder<TValue>(IProperty property)
    {
        var row = Expression.Parameter(typeof(T), "row");
        var get = Expression.Lambda<Func<T, TValue>>(Expression.Property(row, property.PropertyInfo!), row).Compile();
        return (r, inserter, statement, index) => inserter.Bind(statement, index, get(r));
    }

    private static Func<T, object?> Getter(IProperty property, RelationalTypeMapping mapping)
    {
        var row = Expression.Parameter(typeof(T), "row");
        var get = Expression.Lambda<Func<T, object?>>(Expression.Convert(Expression.Property(row, property.PropertyInfo!), typeof(object)), row).Compile();
        if (mapping.Converter is not { } converter) return get;
        var toProvider = converter.ConvertToProvider;
        return r => get(r) is { } v ? toProvider(v) : null;
    }
}

/// <summary>
/// Inserts a batch's rows inside the caller's transaction on one long-lived connection. SQLite: one prepared
/// single-row <c>INSERT</c> statement per table, kept across batches, its values bound straight through SQLite's C API
/// in the exact form Microsoft.Data.Sqlite gives them for EF's type mappings (UTF-8 text, 64-bit integers, doubles;
/// Guids as upper-case text, DateTimeOffsets as <c>yyyy-MM-dd HH:mm:ss.FFFFFFFzzz</c>, decimals as text; the
/// store tests compare every column with what EF writes). PostgreSQL: binary <c>COPY</c>.
/// </summary>
internal sealed class BulkInserter(DbContext model, DbConnection connection) : IAsyncDisposable
{
    private readonly Dictionary<Type, sqlite3_stmt> _statements = [];
    private byte[] _utf8 = new byte[4096];

    public async Task InsertAsync<T>(IReadOnlyList<T> rows, DbTransaction transaction) where T : class
    {
        if (rows.Count == 0) return;
        var shape = TableShape<T>.Of(model);
        if (connection is SqliteConnection sqlite) InsertSqlite(sqlite, shape, rows);
        else await CopyAsync(shape, rows);
    }

    private void InsertSqlite<T>(SqliteConnection sqlite, TableShape<T> shape, IReadOnlyList<T> rows) where T : class
    {
        var db = sqlite.Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        if (!_statements.TryGetValue(typeof(T), out var statement))
        {
            Check(db, raw.sqlite3_prepare_v2(db, shape.InsertSql, out statement));
            _statements[typeof(T)] = statement;
        }
        var binders = shape.SqliteBinders;
        foreach (var row in rows)
        {
            for (int c = 0; c < binders.Length; c++) Check(db, binders[c](row, this, statement, c + 1));
            var rc = Step(statement);
            raw.sqlite3_reset(statement);
            if (rc != raw.SQLITE_DONE) Check(db, rc);
        }
    }

    /// <summary>Steps a statement, waiting while another connection holds a lock (as Microsoft.Data.Sqlite does, up to its default 30 s).</summary>
    private static int Step(sqlite3_stmt statement)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var rc = raw.sqlite3_step(statement);
            if ((rc != raw.SQLITE_BUSY && rc != raw.SQLITE_LOCKED) || clock.Elapsed > TimeSpan.FromSeconds(30)) return rc;
            raw.sqlite3_reset(statement);
            Thread.Sleep(1);
        }
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK && rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) SqliteException.ThrowExceptionForRC(rc, db);
    }

    /// <summary>Binds a typed value without boxing it (each branch is a constant for the JIT), as <see cref="Bind(sqlite3_stmt, int, object?)"/> does.</summary>
    internal int Bind<TValue>(sqlite3_stmt statement, int index, TValue value)
    {
        if (typeof(TValue) == typeof(int)) return raw.sqlite3_bind_int64(statement, index, Unsafe.As<TValue, int>(ref value));
        if (typeof(TValue) == typeof(long)) return raw.sqlite3_bind_int64(statement, index, Unsafe.As<TValue, long>(ref value));
        if (typeof(TValue) == typeof(bool)) return raw.sqlite3_bind_int64(statement, index, Unsafe.As<TValue, bool>(ref value) ? 1 : 0);
        if (typeof(TValue) == typeof(double)) return BindDouble(statement, index, Unsafe.As<TValue, double>(ref value));
        if (typeof(TValue) == typeof(Guid)) return BindGuid(statement, index, Unsafe.As<TValue, Guid>(ref value));
        if (typeof(TValue) == typeof(DateTimeOffset)) return BindDateTimeOffset(statement, index, Unsafe.As<TValue, DateTimeOffset>(ref value));
        if (typeof(TValue) == typeof(int?)) return Unsafe.As<TValue, int?>(ref value) is { } i ? raw.sqlite3_bind_int64(statement, index, i) : raw.sqlite3_bind_null(statement, index);
        if (typeof(TValue) == typeof(bool?)) return Unsafe.As<TValue, bool?>(ref value) is { } b ? raw.sqlite3_bind_int64(statement, index, b ? 1 : 0) : raw.sqlite3_bind_null(statement, index);
        if (typeof(TValue) == typeof(double?)) return Unsafe.As<TValue, double?>(ref value) is { } d ? BindDouble(statement, index, d) : raw.sqlite3_bind_null(statement, index);
        if (typeof(TValue) == typeof(DateTimeOffset?)) return Unsafe.As<TValue, DateTimeOffset?>(ref value) is { } t ? BindDateTimeOffset(statement, index, t) : raw.sqlite3_bind_null(statement, index);
        if (typeof(TValue) == typeof(string)) return Unsafe.As<TValue, string?>(ref value) is { } s ? BindText(statement, index, s) : raw.sqlite3_bind_null(statement, index);
        return Bind(statement, index, (object?)value);
    }

    private static int BindDouble(sqlite3_stmt statement, int index, double d)
    {
        if (double.IsNaN(d)) throw new InvalidOperationException("Cannot store 'NaN' values.");
        return raw.sqlite3_bind_double(statement, index, d);
    }

    private int BindGuid(sqlite3_stmt statement, int index, Guid g)
    {
        Span<char> chars = stackalloc char[36];
        g.TryFormat(chars, out var n, "D");
        for (int k = 0; k < n; k++) chars[k] = char.ToUpperInvariant(chars[k]);
        return BindText(statement, index, chars[..n]);
    }

    private int BindDateTimeOffset(sqlite3_stmt statement, int index, DateTimeOffset t)
    {
        Span<char> chars = stackalloc char[64];
        if (!t.TryFormat(chars, out var n, @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFFzzz", CultureInfo.InvariantCulture)) throw new FormatException(t.ToString());
        return BindText(statement, index, chars[..n]);
    }

    internal int Bind(sqlite3_stmt statement, int index, object? value)
    {
        switch (value)
        {
            case null: return raw.sqlite3_bind_null(statement, index);
            case string s: return BindText(statement, index, s);
            case int i: return raw.sqlite3_bind_int64(statement, index, i);
            case long l: return raw.sqlite3_bind_int64(statement, index, l);
            case bool b: return raw.sqlite3_bind_int64(statement, index, b ? 1 : 0);
            case double d: return BindDouble(statement, index, d);
            case Guid g: return BindGuid(statement, index, g);
            case DateTimeOffset t: return BindDateTimeOffset(statement, index, t);
            case decimal m:
                return BindText(statement, index, m.ToString("0.0###########################", CultureInfo.InvariantCulture));
            default: throw new NotSupportedException($"no SQLite binding for {value.GetType().Name}");
        }
    }

    private int BindText(sqlite3_stmt statement, int index, ReadOnlySpan<char> text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_utf8.Length < max) _utf8 = new byte[Math.Max(max, 2 * _utf8.Length)];
        var n = Encoding.UTF8.GetBytes(text, _utf8);
        return raw.sqlite3_bind_text(statement, index, _utf8.AsSpan(0, n)); // SQLite copies the bytes (SQLITE_TRANSIENT)
    }

    private async Task CopyAsync<T>(TableShape<T> shape, IReadOnlyList<T> rows) where T : class
    {
        var npgsql = (NpgsqlConnection)connection;
        var getters = shape.Getters;
        var types = shape.StoreTypes;
        await using var importer = await npgsql.BeginBinaryImportAsync($"COPY {shape.Table} ({string.Join(", ", shape.Columns)}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            // Synchronous writes into the importer's buffer (it flushes to the socket when full): an await per value
            // cost more than the value.
            importer.StartRow();
            for (int c = 0; c < getters.Length; c++)
            {
                if (getters[c](row) is { } value) importer.Write(value, types[c]);
                else importer.WriteNull();
            }
        }
        await importer.CompleteAsync();
    }

    /// <summary>Finalizes the prepared statements (before the connection is closed).</summary>
    public ValueTask DisposeAsync()
    {
        foreach (var statement in _statements.Values) statement.Dispose();
        _statements.Clear();
        return ValueTask.CompletedTask;
    }
}
