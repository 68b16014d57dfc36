using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Seidr.Workflows.Engine;
using Seidr.Workflows.Models.Telemetry;

namespace Seidr.Workflows.Runtime;

/// <summary>
/// Exports the engine's and the model layer's traces and metrics over OTLP when an endpoint is configured
/// (<c>Seidr:Telemetry:OtlpEndpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); nothing otherwise.
/// </summary>
internal static class TelemetryExport
{
    public static IDisposable? Start(IConfiguration configuration)
    {
        var text = configuration["Seidr:Telemetry:OtlpEndpoint"] is { Length: > 0 } c ? c : Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var endpoint))
            throw new ArgumentException($"Seidr:Telemetry:OtlpEndpoint '{text}' is not a URL");
        var resource = ResourceBuilder.CreateDefault().AddService("seidr-workflows");
        var traces = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource)
            .AddSource(EngineTelemetry.SourceName, ModelTelemetry.SourceName).AddOtlpExporter(o => o.Endpoint = endpoint).Build();
        var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource)
            .AddMeter(EngineTelemetry.SourceName, ModelTelemetry.SourceName).AddOtlpExporter(o => o.Endpoint = endpoint).Build();
        return new Both(traces, metrics);
    }

    private sealed class Both(IDisposable a, IDisposable b) : IDisposable
    {
        public void Dispose() { a.Dispose(); b.Dispose(); }
    }
}
