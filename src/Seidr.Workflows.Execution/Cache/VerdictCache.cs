using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Seidr.Workflows.Execution.Cache;

/// <summary>
/// A content-addressed store of verdicts: what a program did on a list of tests, or on a human-eval check, keyed by
/// a SHA-256 of everything that decides the verdict (see <see cref="VerdictKey"/>). A run whose programs and tests did
/// not change (a new ranking, one more ranking variant, a re-run after a crash) then executes nothing.
/// </summary>
/// <remarks>
/// SQLite in WAL mode, so several processes (shards, a second run) may share one file. Reads are synchronous point
/// lookups (a few microseconds each); writes are queued and committed in batches by one background task, because a
/// transaction per verdict would cost more than most verdicts do. Verdicts still queued when the process dies are
/// lost, which only costs their re-execution.
/// </remarks>
public sealed class VerdictCache : IAsyncDisposable
{
    // Verdicts from one run of a CodeT-sized experiment: 12,408 programs x ~51 tests; a batch per 500 keeps each
    // transaction short while a second process reads.
    private const int BatchSize = 500;

    private readonly string _connectionString;
    private readonly ConcurrentQueue<(string Key, string Kind, string Json)> _pending = new();
    // Verdicts queued but not yet committed: a lookup in the same process (another variant judging the same program)
    // finds them here, not only after the next batch.
    private readonly ConcurrentDictionary<string, string> _unwritten = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task? _writer;
    private long _hits, _misses, _stored, _dropped;

    private VerdictCache(string path, bool readOnly)
    {
        Path = System.IO.Path.GetFullPath(path);
        ReadOnly = readOnly;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            // Private cache per connection: shared-cache mode turns lock waits into SQLITE_LOCKED errors that busy_timeout does not retry.
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        if (!readOnly) _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The cache file.</summary>
    public string Path { get; }

    /// <summary>Serves verdicts but stores none.</summary>
    public bool ReadOnly { get; }

    /// <summary>Verdicts served from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that found nothing (the verdict was then computed).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Verdicts written to the file so far.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Verdicts that could not be written (see <see cref="Error"/>); they are computed again by a later run.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Why the last write failed, or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Opens (creating it unless read-only) the cache at <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be opened or is not a verdict cache.</exception>
    public static VerdictCache Open(string path, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (readOnly && !File.Exists(full)) throw new FileNotFoundException($"read-only verdict cache '{full}' does not exist", full);
        if (!readOnly && System.IO.Path.GetDirectoryName(full) is { } dir) Directory.CreateDirectory(dir);
        var cache = new VerdictCache(full, readOnly);
        try
        {
            using var c = cache.Connect();
            using var cmd = c.CreateCommand();
            cmd.CommandText = readOnly
                ? "SELECT COUNT(*) FROM verdicts WHERE 0"
                : """
                  PRAGMA journal_mode=WAL;
                  PRAGMA synchronous=NORMAL;
                  CREATE TABLE IF NOT EXISTS verdicts (
                      key TEXT PRIMARY KEY,
                      kind TEXT NOT NULL,
                      verdict BLOB NOT NULL,
                      created_utc TEXT NOT NULL
                  ) WITHOUT ROWID;
                  """;
            cmd.ExecuteNonQuery();
            return cache;
        }
        catch (SqliteException e)
        {
            cache._stop.Cancel();
            throw new IOException($"verdict cache '{full}': {e.Message}", e);
        }
    }

    private SqliteConnection Connect()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        return c;
    }

    /// <summary>The stored verdict (JSON) under <paramref name="key"/>, or null.</summary>
    internal string? Find(string key)
    {
        if (_unwritten.TryGetValue(key, out var queued))
        {
            Interlocked.Increment(ref _hits);
            return queued;
        }
        using var c = Connect();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT verdict FROM verdicts WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        var found = cmd.ExecuteScalar() is byte[] stored ? Unpack(stored) : null;
        Interlocked.Increment(ref found is null ? ref _misses : ref _hits);
        return found;
    }

    /// <summary>Queues a verdict for the file (nothing when read-only).</summary>
    internal void Add(string key, string kind, string json)
    {
        if (ReadOnly || !_unwritten.TryAdd(key, json)) return;
        _pending.Enqueue((key, kind, json));
        if (_pending.Count >= BatchSize) _signal.Release();
    }

    private async Task WriteLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await _signal.WaitAsync(TimeSpan.FromSeconds(2), _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            Flush();
        }
        Flush();
    }

    private void Flush()
    {
        while (!_pending.IsEmpty)
        {
            var batch = new List<(string Key, string Kind, string Json)>(BatchSize);
            while (batch.Count < BatchSize && _pending.TryDequeue(out var item)) batch.Add(item);
            try { Write(batch); }
            catch (Exception e) when (e is SqliteException or IOException)
            {
                // A full disk or a broken file costs re-execution later, never the run: the count and the reason are shown.
                Error = e.Message;
                Interlocked.Add(ref _dropped, batch.Count);
                foreach (var item in batch) _unwritten.TryRemove(item.Key, out _);
            }
        }
    }

    private void Write(List<(string Key, string Kind, string Json)> batch)
    {
        {
            using var c = Connect();
            using var tx = c.BeginTransaction();
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT OR IGNORE INTO verdicts(key, kind, verdict, created_utc) VALUES ($k, $kind, $v, $t)";
            var k = cmd.Parameters.Add("$k", SqliteType.Text);
            var kind = cmd.Parameters.Add("$kind", SqliteType.Text);
            var v = cmd.Parameters.Add("$v", SqliteType.Blob);
            cmd.Parameters.AddWithValue("$t", DateTime.UtcNow.ToString("O"));
            foreach (var item in batch)
            {
                k.Value = item.Key;
                kind.Value = item.Kind;
                v.Value = Pack(item.Json);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
            Interlocked.Add(ref _stored, batch.Count);
            foreach (var item in batch) _unwritten.TryRemove(item.Key, out _);
        }
    }

    // A test report repeats field names and messages test after test: Brotli at its fastest level stores a CodeT-sized
    // run's reports in about a tenth of the JSON's size (measured: see docs/execution.md) for a few microseconds each.
    private static byte[] Pack(string json)
    {
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest)) brotli.Write(Encoding.UTF8.GetBytes(json));
        return output.ToArray();
    }

    private static string Unpack(byte[] stored)
    {
        using var brotli = new BrotliStream(new MemoryStream(stored), CompressionMode.Decompress);
        using var reader = new StreamReader(brotli, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Writes every queued verdict, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        if (_writer is not null) await _writer.ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }
}
