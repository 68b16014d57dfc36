using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Seidr.Workflows.Models.Testing;

/// <summary>What the fake server does with one request.</summary>
public abstract record FakeReply
{
    public sealed record Normal : FakeReply;
    public sealed record Text(string Content, string FinishReason = "stop") : FakeReply;
    public sealed record Status(int Code, string? RetryAfter = null, string Body = "{\"error\":{\"message\":\"fake error\",\"type\":\"server_error\"}}") : FakeReply;
    public sealed record Delay(TimeSpan Wait, FakeReply Then) : FakeReply;
    public sealed record Malformed(string Body = "{\"id\": \"x\", \"choices\": [ {\"index\": 0, \"message\": ") : FakeReply;
    /// <summary>The connection is reset before any answer.</summary>
    public sealed record Reset : FakeReply;
}

/// <summary>One request the server saw.</summary>
public sealed record SeenRequest(string Path, JsonNode? Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At);

/// <summary>
/// A loopback OpenAI-compatible server (and Ollama <c>/api/chat</c>) on 127.0.0.1 and a random port.
/// Replies come from a queue (<see cref="Enqueue"/>), else the default: a deterministic answer per choice.
/// Usage: prompt_tokens = characters of all messages / 4 (at least 1), completion_tokens = 5 per choice.
/// </summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeReply> _script = new();
    private readonly ConcurrentQueue<SeenRequest> _seen = new();
    private int _inFlight, _maxInFlight, _counter;

    private FakeLlmServer(WebApplication app, TimeSpan latency)
    {
        _app = app;
        Latency = latency;
    }

    public TimeSpan Latency { get; set; }
    public Uri Root { get; private set; } = null!;
    public Uri OpenAIBaseUrl => new(Root, "v1/");
    public IReadOnlyList<SeenRequest> Requests => _seen.ToArray();
    public int RequestCount => _seen.Count;
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Default reply text for choice i of request k: "answer {k}.{i}".</summary>
    public Func<int, int, JsonNode?, string> DefaultText { get; set; } = (k, i, _) => $"answer {k}.{i}";

    public void Enqueue(params FakeReply[] replies)
    {
        foreach (var r in replies) _script.Enqueue(r);
    }

    public void ResetCounters()
    {
        _seen.Clear();
        Interlocked.Exchange(ref _maxInFlight, 0);
    }

    public static async Task<FakeLlmServer> StartAsync(TimeSpan? latency = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeLlmServer(app, latency ?? TimeSpan.Zero);
        app.MapPost("/v1/chat/completions", server.ChatCompletionsAsync);
        app.MapPost("/openai/v1/chat/completions", server.ChatCompletionsAsync);
        app.MapPost("/v1/completions", server.CompletionsAsync);
        app.MapPost("/api/chat", server.OllamaChatAsync);
        app.MapPost("/api/generate", server.OllamaChatAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Root = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    private async Task<JsonNode?> BeginAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        int seenMax;
        while (inFlight > (seenMax = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seenMax) != seenMax) { }
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        JsonNode? body = null;
        try { body = JsonNode.Parse(text); } catch (JsonException) { }
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        _seen.Enqueue(new SeenRequest(context.Request.Path, body, headers, DateTimeOffset.UtcNow));
        return body;
    }

    private FakeReply NextReply() => _script.TryDequeue(out var r) ? r : new FakeReply.Normal();

    private Task ChatCompletionsAsync(HttpContext context) => CompletionsAsync(context, chat: true);

    private Task CompletionsAsync(HttpContext context) => CompletionsAsync(context, chat: false);

    private async Task CompletionsAsync(HttpContext context, bool chat)
    {
        try
        {
            var body = await BeginAsync(context);
            var k = Interlocked.Increment(ref _counter);
            if (Latency > TimeSpan.Zero) await Task.Delay(Latency, context.RequestAborted);
            await ReplyAsync(context, NextReply(), body, k, chat);
        }
        catch (OperationCanceledException) { }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    private async Task ReplyAsync(HttpContext context, FakeReply reply, JsonNode? body, int k, bool chat)
    {
        switch (reply)
        {
            case FakeReply.Delay d:
                await Task.Delay(d.Wait, context.RequestAborted);
                await ReplyAsync(context, d.Then, body, k, chat);
                return;
            case FakeReply.Status s:
                context.Response.StatusCode = s.Code;
                if (s.RetryAfter is not null) context.Response.Headers["Retry-After"] = s.RetryAfter;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(s.Body);
                return;
            case FakeReply.Malformed m:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(m.Body);
                return;
            case FakeReply.Reset:
                context.Abort();
                return;
        }
        int n = body?["n"]?.GetValue<int>() ?? 1;
        var messages = body?["messages"]?.AsArray() ?? [];
        int promptChars = chat ? messages.Sum(m => m?["content"]?.GetValue<string>()?.Length ?? 0) : body?["prompt"]?.GetValue<string>()?.Length ?? 0;
        var choices = new JsonArray();
        for (int i = 0; i < n; i++)
        {
            var (content, finish) = reply is FakeReply.Text t ? (t.Content, t.FinishReason) : (DefaultText(k, i, body), "stop");
            var choice = new JsonObject { ["index"] = i, ["finish_reason"] = finish };
            if (chat) choice["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content };
            else choice["text"] = content;
            choices.Add(choice);
        }
        var answer = new JsonObject
        {
            ["id"] = $"chatcmpl-{k}",
            ["object"] = chat ? "chat.completion" : "text_completion",
            ["created"] = 1700000000,
            ["model"] = body?["model"]?.GetValue<string>() ?? "fake",
            ["choices"] = choices,
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = Math.Max(1, promptChars / 4),
                ["completion_tokens"] = 5 * n,
                ["total_tokens"] = Math.Max(1, promptChars / 4) + 5 * n,
            },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private async Task OllamaChatAsync(HttpContext context)
    {
        try
        {
            var body = await BeginAsync(context);
            var k = Interlocked.Increment(ref _counter);
            if (Latency > TimeSpan.Zero) await Task.Delay(Latency, context.RequestAborted);
            var reply = NextReply();
            if (reply is FakeReply.Status s)
            {
                context.Response.StatusCode = s.Code;
                await context.Response.WriteAsync("{\"error\":\"fake error\"}");
                return;
            }
            var content = reply is FakeReply.Text t ? t.Content : DefaultText(k, 0, body);
            var messages = body?["messages"]?.AsArray() ?? [];
            int promptChars = body?["prompt"]?.GetValue<string>()?.Length ?? messages.Sum(m => m?["content"]?.GetValue<string>()?.Length ?? 0);
            var answer = new JsonObject
            {
                ["model"] = body?["model"]?.GetValue<string>() ?? "fake",
                ["created_at"] = "2024-01-01T00:00:00Z",
                ["done"] = true,
                [body?["prompt"] is null ? "message" : "response"] = body?["prompt"] is null
                    ? new JsonObject { ["role"] = "assistant", ["content"] = content }
                    : JsonValue.Create(content),
                ["done_reason"] = "stop",
                ["prompt_eval_count"] = Math.Max(1, promptChars / 4),
                ["eval_count"] = 7,
                ["total_duration"] = 1000,
            };
            context.Response.ContentType = "application/x-ndjson";
            await context.Response.WriteAsync(answer.ToJsonString() + "\n");
        }
        catch (OperationCanceledException) { }
        finally { Interlocked.Decrement(ref _inFlight); }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
