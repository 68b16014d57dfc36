using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Seidr.Workflows.Models.Cache;

/// <summary>How the response cache is used.</summary>
public enum CacheMode
{
    /// <summary>Serve hits, store every new sample (default).</summary>
    ReadWrite,
    /// <summary>Serve hits, store nothing.</summary>
    ReadOnly,
    /// <summary>No cache at all.</summary>
    Off,
}

/// <summary>A sample stored in the cache, with the tokens it cost when it was made.</summary>
public sealed record CachedSample(string Text, string? FinishReason, long InputTokens, long OutputTokens);

/// <summary>
/// SQLite response cache. One row per sample, keyed by a SHA-256 of provider, model id, rendered messages,
/// sampling settings (temperature, top_p, max_tokens, stop, seed) and the sample index.
/// Safe for concurrent use: WAL journal, one pooled connection per operation, busy timeout.
/// </summary>
public sealed class ResponseCache : IDisposable
{
    private readonly string _connectionString;

    /// <summary>Opens (read-write: creates) the cache file at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is <see cref="CacheMode.Off"/>: use no cache instead.</exception>
    /// <exception cref="FileNotFoundException">A read-only cache whose file does not exist.</exception>
    public ResponseCache(string path, CacheMode mode = CacheMode.ReadWrite)
    {
        if (mode == CacheMode.Off) throw new ArgumentException("use no cache instead of CacheMode.Off", nameof(mode));
        Path = System.IO.Path.GetFullPath(path);
        Mode = mode;
        var dir = System.IO.Path.GetDirectoryName(Path);
        if (mode == CacheMode.ReadWrite && dir is not null) Directory.CreateDirectory(dir);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = mode == CacheMode.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            // Private cache per connection: shared-cache mode turns lock waits into SQLITE_LOCKED errors that busy_timeout does not retry.
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        if (mode == CacheMode.ReadWrite) Initialise();
        else if (!File.Exists(Path)) throw new FileNotFoundException($"read-only response cache '{Path}' does not exist", Path);
    }

    /// <summary>The cache file's full path, as reported in run summaries.</summary>
    public string Path { get; }
    /// <summary>Whether answers are read, written, or both.</summary>
    public CacheMode Mode { get; }

    private void Initialise()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS samples (
                key TEXT PRIMARY KEY,
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                sample_index INTEGER NOT NULL,
                text TEXT NOT NULL,
                finish_reason TEXT,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                created_utc TEXT NOT NULL
            );
            """;
        cmd.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=60000;";
        cmd.ExecuteNonQuery();
        return c;
    }

    /// <summary>The sample stored under <paramref name="key"/> (<see cref="SampleKey"/>), or null when there is none.</summary>
    public async Task<CachedSample?> TryGetAsync(string key, CancellationToken ct)
    {
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT text, finish_reason, input_tokens, output_tokens FROM samples WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        try
        {
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await r.ReadAsync(ct).ConfigureAwait(false)) return null;
            return new CachedSample(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2), r.GetInt64(3));
        }
        catch (SqliteException e) when (Mode == CacheMode.ReadOnly && e.SqliteErrorCode == 1 /* no such table */)
        {
            return null;
        }
    }

    /// <summary>Stores <paramref name="sample"/> under <paramref name="key"/>, replacing an older one; does nothing unless the cache is read-write.</summary>
    public async Task PutAsync(string key, string provider, string model, int sampleIndex, CachedSample sample, CancellationToken ct)
    {
        if (Mode != CacheMode.ReadWrite) return;
        await using var c = Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT OR REPLACE INTO samples (key, provider, model, sample_index, text, finish_reason, input_tokens, output_tokens, created_utc)
            VALUES ($k, $p, $m, $i, $t, $f, $in, $out, $c)
            """;
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$p", provider);
        cmd.Parameters.AddWithValue("$m", model);
        cmd.Parameters.AddWithValue("$i", sampleIndex);
        cmd.Parameters.AddWithValue("$t", sample.Text);
        cmd.Parameters.AddWithValue("$f", (object?)sample.FinishReason ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$in", sample.InputTokens);
        cmd.Parameters.AddWithValue("$out", sample.OutputTokens);
        cmd.Parameters.AddWithValue("$c", DateTime.UtcNow.ToString("O"));
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Number of stored samples.</summary>
    public long Count()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM samples";
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>
    /// Key of everything but the sample index (used to hand out sample offsets per prompt). The provider part is
    /// the provider entry name; the key does not depend on samples_per_call or the timeout.
    /// </summary>
    public static string PromptKey(string provider, string modelId, IReadOnlyList<PromptMessage> messages, ModelSettings s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteString("provider", provider);
            w.WriteString("model", modelId);
            w.WriteStartArray("messages");
            foreach (var m in messages)
            {
                w.WriteStartArray();
                w.WriteStringValue(m.Role.ToString().ToLowerInvariant());
                w.WriteStringValue(m.Content);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteStartObject("settings");
            if (s.Temperature is { } t) w.WriteNumber("temperature", t);
            if (s.TopP is { } p) w.WriteNumber("top_p", p);
            if (s.MaxTokens is { } mt) w.WriteNumber("max_tokens", mt);
            if (s.Stop is { } stop)
            {
                w.WriteStartArray("stop");
                foreach (var x in stop) w.WriteStringValue(x);
                w.WriteEndArray();
            }
            if (s.Seed is { } seed) w.WriteNumber("seed", seed);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>Key of sample <paramref name="sampleIndex"/> of a prompt key.</summary>
    public static string SampleKey(string promptKey, int sampleIndex)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{promptKey}#{sampleIndex}")));

    /// <summary>Closes the pooled connections, so the file can be moved or deleted.</summary>
    public void Dispose() => SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
}
