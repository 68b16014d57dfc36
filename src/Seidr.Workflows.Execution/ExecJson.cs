using System.Text.Encodings.Web;
using System.Text.Json;

namespace Seidr.Workflows.Execution;

/// <summary>The JSON object <c>seidr exec --json</c> prints for a run.</summary>
public static class ExecJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"status", "exitCode", "stdout", "stderr", "wallMs"}</c>, plus <c>"message"</c> when there is one.</summary>
    public static string Serialize(ProgramRun r)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("status", StatusName(r.Status));
            if (r.ExitCode is { } code) w.WriteNumber("exitCode", code); else w.WriteNull("exitCode");
            w.WriteString("stdout", r.Stdout);
            w.WriteString("stderr", r.Stderr);
            w.WriteNumber("wallMs", Math.Round(r.WallMs, 3));
            if (r.Message is { } m) w.WriteString("message", m);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The status as the JSON and <c>seidr exec</c>'s status line spell it (<c>ok</c>, <c>error</c>, ...).</summary>
    public static string StatusName(ProgramStatus s) => s switch
    {
        ProgramStatus.Ok => "ok",
        ProgramStatus.Error => "error",
        ProgramStatus.Timeout => "timeout",
        ProgramStatus.Memory => "memory",
        ProgramStatus.OutputLimit => "output-limit",
        _ => "killed",
    };
}
