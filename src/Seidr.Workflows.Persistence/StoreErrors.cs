using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Seidr.Workflows.Persistence;

/// <summary>Which database errors are worth waiting out: the store is away or busy, not wrong.</summary>
internal static class StoreErrors
{
    /// <summary>
    /// PostgreSQL: what Npgsql marks transient (connection lost, server shutting down or starting, too many connections,
    /// serialization failures). SQLite: the file is busy or locked by another process. Network and I/O errors on the way.
    /// A full disk or a schema error is not transient: waiting would not help.
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState is "57P01" or "57P02" or "57P03" or "53300" or "40001" or "40P01",
        NpgsqlException n => n.IsTransient || n.InnerException is { } inner && IsTransient(inner),
        SqliteException s => s.SqliteErrorCode is 5 /* SQLITE_BUSY */ or 6 /* SQLITE_LOCKED */,
        SocketException or TimeoutException => true,
        IOException io => io.InnerException is { } inner ? IsTransient(inner) : !IsDiskFull(io),
        DbUpdateException or InvalidOperationException when e.InnerException is { } inner => IsTransient(inner),
        _ => false,
    };

    /// <summary>ENOSPC as .NET reports it (HResult 28 on Unix) or SQLite's SQLITE_FULL.</summary>
    public static bool IsDiskFull(Exception e) =>
        e is SqliteException { SqliteErrorCode: 13 } || (e.HResult & 0xFFFF) == 28 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
        || e.InnerException is { } inner && IsDiskFull(inner);
}
