using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Activities.Tests.Stages.Support;

/// <summary>
/// An OpenAI-compatible chat endpoint on loopback, for what a scripted model cannot do: reject a request. The model
/// layer asks for sample i with seed i (<see cref="Model"/> sets seed 0 and one sample per call), and the server answers
/// it with reply i, or rejects it with HTTP 400 when that reply is null.
/// </summary>
public sealed class ChatServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string?[] _replies;
    private readonly Task _loop;

    public ChatServer(params string?[] replies)
    {
        _replies = replies;
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    /// <summary>The model definition for <see cref="StageHarness.RunAsync"/>'s <c>coder</c>.</summary>
    public IReadOnlyDictionary<string, object?> Model => new Dictionary<string, object?>
    {
        ["provider"] = "openai-compatible",
        ["base_url"] = BaseUrl,
        ["model"] = "stand-in",
        ["seed"] = 0,
        ["samples_per_call"] = 1,
        ["max_retries"] = 0,
    };

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; } // stopped
            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
        var seed = body["seed"]?.GetValue<int>() ?? 0;
        var reply = seed < _replies.Length ? _replies[seed] : null;
        var response = reply is null
            ? new JsonObject { ["error"] = new JsonObject { ["message"] = $"sample {seed} is rejected by the test", ["type"] = "invalid_request_error" } }
            : new JsonObject
            {
                ["id"] = $"chat-{seed}",
                ["object"] = "chat.completion",
                ["created"] = 0,
                ["model"] = "stand-in",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
            };
        var bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
        context.Response.StatusCode = reply is null ? 400 : 200;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { } // the loop ends when the listener stops; nothing else to report
    }
}
