using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Seidr.Workflows.Engine;

namespace Seidr.Workflows.Persistence;

/// <summary>
/// The writer's JSON on a hot path (one document per stored event): the small event documents written with one reused
/// <see cref="Utf8JsonWriter"/> instead of a <c>JsonObject</c> per event, and per-test results through a
/// source-generated serializer. The text is the same as <see cref="StoreJson"/> gives (same encoder, same
/// converters; the store tests compare them).
/// </summary>
internal sealed class StoreJsonWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public StoreJsonWriter() => _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = StoreJson.Options.Encoder, SkipValidation = true });

    /// <summary>Starts a document: an object whose properties the caller writes on the writer returned.</summary>
    public Utf8JsonWriter Begin()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        return _json;
    }

    /// <summary>Ends the document started by <see cref="Begin"/> and returns its text.</summary>
    public string End()
    {
        _json.WriteEndObject();
        _json.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    /// <summary>Per-test results, as <c>StoreJson.Serialize(results)</c> writes them.</summary>
    public string Results(ImmutableArray<TestResult> results)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, results, StoreJsonContext.Default.ImmutableArrayTestResult);
        _json.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }
}

/// <summary>Source-generated metadata for the store's hot JSON, with <see cref="StoreJson.Options"/>'s settings.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ImmutableArray<TestResult>))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;

/// <summary>
/// Version-7 UUIDs laid out as <see cref="Guid.CreateVersion7()"/> lays them out (48-bit Unix milliseconds, version 7,
/// RFC 9562 variant, 74 random bits), with the random bits from a per-writer generator seeded by the system's secure
/// random source: <see cref="Guid.CreateVersion7()"/> asks the OS for randomness on every call, 1.7-1.8 µs of CPU per id
/// against 0.04-0.08 µs here (measured 2026-12-05, docs/benchmarks.md): about a quarter of the writer's own CPU per event.
/// </summary>
internal sealed class Uuid7Source
{
    private readonly Random _random = new(); // seeded from the OS's secure random source

    public Guid Next() => Next(DateTimeOffset.UtcNow);

    public Guid Next(DateTimeOffset at)
    {
        long ms = at.ToUnixTimeMilliseconds();
        Span<byte> r = stackalloc byte[10];
        _random.NextBytes(r);
        return new Guid(
            (int)(ms >> 16), (short)ms, (short)(0x7000 | ((r[0] << 8 | r[1]) & 0x0FFF)),
            (byte)(0x80 | (r[2] & 0x3F)), r[3], r[4], r[5], r[6], r[7], r[8], r[9]);
    }
}
