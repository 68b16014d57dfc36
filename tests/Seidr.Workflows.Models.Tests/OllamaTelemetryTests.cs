using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Seidr.Workflows.Models.Telemetry;
using Seidr.Workflows.Models.Testing;
using Seidr.Workflows.Models.Tests.Support;

namespace Seidr.Workflows.Models.Tests;

public sealed class OllamaTests : IAsyncLifetime
{
    private FakeLlmServer _server = null!;
    public async Task InitializeAsync() => _server = await FakeLlmServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Native_api_chat_through_OllamaSharp()
    {
        using var layer = TestEnv.Layer(TestEnv.Models("llama", ("provider", "ollama"), ("model", "llama3.1:8b"), ("base_url", _server.Root.ToString()),
            ("temperature", 0.5), ("max_tokens", 99), ("stop", new List<object?> { "\n\n" }), ("seed", 3), ("retry_base_delay_ms", 10)));
        _server.Enqueue(new FakeReply.Text("def f():\n    pass\n"));
        var r = await layer.GetClient("llama").CompleteAsync(new ModelRequest([PromptMessage.System("sys"), PromptMessage.User("write f")], 2));

        r.Succeeded.Should().BeTrue();
        r.Texts.Should().Contain("def f():\n    pass\n", "the two calls run in parallel, either may get the queued reply");
        r.Calls.Should().Be(2, "Ollama has no n: one call per sample");
        r.Usage.OutputTokens.Should().Be(14);
        var seen = _server.Requests[0];
        seen.Path.Should().Be("/api/chat");
        seen.Body!["model"]!.GetValue<string>().Should().Be("llama3.1:8b");
        seen.Body["stream"]!.GetValue<bool>().Should().BeFalse();
        var options = seen.Body["options"]!;
        options["temperature"]!.GetValue<double>().Should().BeApproximately(0.5, 1e-6);
        options["num_predict"]!.GetValue<int>().Should().Be(99);
        options["stop"]!.AsArray().Select(x => x!.GetValue<string>()).Should().Equal("\n\n");
        _server.Requests.Select(q => q.Body!["options"]!["seed"]!.GetValue<int>()).Order().Should().Equal(3, 4);
    }

    [Fact]
    public async Task Completions_use_raw_generate()
    {
        using var layer = TestEnv.Layer(TestEnv.Models("coder", ("provider", "ollama"), ("model", "codellama:7b-code"), ("base_url", _server.Root.ToString()),
            ("api", "completions")));
        _server.Enqueue(new FakeReply.Text("    return 1\n"));
        var r = await layer.GetClient("coder").CompleteAsync(ModelRequest.ForText("def one():\n"));
        r.Text.Should().Be("    return 1\n");
        var seen = _server.Requests.Single();
        seen.Path.Should().Be("/api/generate");
        seen.Body!["prompt"]!.GetValue<string>().Should().Be("def one():\n");
        seen.Body["raw"]!.GetValue<bool>().Should().BeTrue();
        r.Usage.OutputTokens.Should().Be(7);
    }

    [Fact]
    public async Task Server_error_is_retried_then_reported()
    {
        using var layer = TestEnv.Layer(TestEnv.Models("llama", ("provider", "ollama"), ("model", "m"), ("base_url", _server.Root.ToString()),
            ("retry_base_delay_ms", 10), ("max_retries", 1)));
        _server.Enqueue(new FakeReply.Status(500), new FakeReply.Status(500));
        var r = await layer.GetClient("llama").CompleteAsync(ModelRequest.ForText("x"));
        r.Succeeded.Should().BeFalse();
        r.Error!.Attempts.Should().Be(2);
        _server.RequestCount.Should().Be(2);
    }
}

public sealed class TelemetryTests : IAsyncLifetime
{
    private FakeLlmServer _server = null!;
    public async Task InitializeAsync() => _server = await FakeLlmServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Spans_and_metrics_follow_the_genai_conventions()
    {
        var model = "telemetry-" + Guid.NewGuid().ToString("N");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ModelTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if ((a.GetTagItem("seidr.model") as string) == model) spans.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(listener);
        var tokens = new ConcurrentQueue<(long Value, string? Type)>();
        var durations = new ConcurrentQueue<double>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (i, l) => { if (i.Meter.Name == ModelTelemetry.SourceName) l.EnableMeasurementEvents(i); };
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            if (i.Name != "gen_ai.client.token.usage") return;
            var t = tags.ToArray();
            if (t.Any(x => x.Key == "gen_ai.request.model" && (string?)x.Value == "tele-model"))
                tokens.Enqueue((v, t.FirstOrDefault(x => x.Key == "gen_ai.token.type").Value as string));
        });
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) =>
        {
            if (i.Name == "gen_ai.client.operation.duration" && tags.ToArray().Any(x => x.Key == "gen_ai.request.model" && (string?)x.Value == "tele-model")) durations.Enqueue(v);
        });
        meters.Start();

        using var layer = TestEnv.Layer(TestEnv.Models(model, ("provider", "openai-compatible"), ("model", "tele-model"),
            ("base_url", _server.OpenAIBaseUrl.ToString()), ("temperature", 0.3), ("max_tokens", 50)));
        var r = await layer.GetClient(model).CompleteAsync(new ModelRequest([PromptMessage.User("12345678")], Tags: new CallTags("run-7", "v", "draft", "HumanEval/1")));

        var span = spans.Should().ContainSingle().Subject;
        span.DisplayName.Should().Be("chat tele-model");
        span.Kind.Should().Be(ActivityKind.Client);
        span.GetTagItem("gen_ai.operation.name").Should().Be("chat");
        span.GetTagItem("gen_ai.provider.name").Should().Be("openai");
        span.GetTagItem("gen_ai.request.model").Should().Be("tele-model");
        span.GetTagItem("gen_ai.response.model").Should().Be("tele-model");
        span.GetTagItem("gen_ai.request.temperature").Should().Be(0.3);
        span.GetTagItem("gen_ai.request.max_tokens").Should().Be(50);
        span.GetTagItem("gen_ai.usage.input_tokens").Should().Be(r.Usage.InputTokens);
        span.GetTagItem("gen_ai.usage.output_tokens").Should().Be(5L);
        span.GetTagItem("server.address").Should().Be("127.0.0.1");
        span.GetTagItem("seidr.run.id").Should().Be("run-7");
        span.GetTagItem("seidr.problem.id").Should().Be("HumanEval/1");
        span.Tags.Should().NotContain(t => t.Value != null && t.Value.Contains("12345678"), "prompt text is not recorded");

        meters.RecordObservableInstruments();
        tokens.Should().BeEquivalentTo(new[] { (r.Usage.InputTokens, (string?)"input"), (5L, (string?)"output") });
        durations.Should().ContainSingle().Which.Should().BeGreaterThan(0);
    }
}

public sealed class OtlpExportTests
{
    [Fact]
    public async Task Traces_and_metrics_are_exported_when_an_otlp_endpoint_is_configured()
    {
        var posts = new ConcurrentQueue<(string Path, string? ContentType, long Length)>();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapPost("/v1/{signal}", async (Microsoft.AspNetCore.Http.HttpContext c) =>
        {
            using var ms = new MemoryStream();
            await c.Request.Body.CopyToAsync(ms);
            posts.Enqueue((c.Request.Path, c.Request.ContentType, ms.Length));
            c.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        var root = app.Urls.First();

        var dir = TestEnv.TempDir();
        File.WriteAllText(Path.Combine(dir, "s.yaml"), "default:\n  answer: ok\n");
        var layer = ModelLayer.Create(TestEnv.Config(("Seidr:Telemetry:OtlpEndpoint", root), ("Seidr:Telemetry:OtlpProtocol", "http/protobuf")),
            TestEnv.Models("otlp-scripted", ("provider", "scripted"), ("file", Path.Combine(dir, "s.yaml"))),
            new ModelLayerOptions { CacheMode = Seidr.Workflows.Models.Cache.CacheMode.Off });
        (await layer.GetClient("otlp-scripted").CompleteAsync(ModelRequest.ForText("hi"))).Text.Should().Be("ok");
        layer.Dispose(); // flushes both exporters

        posts.Should().Contain(p => p.Path == "/v1/traces" && p.ContentType == "application/x-protobuf" && p.Length > 0);
        posts.Should().Contain(p => p.Path == "/v1/metrics" && p.Length > 0);
    }
}
