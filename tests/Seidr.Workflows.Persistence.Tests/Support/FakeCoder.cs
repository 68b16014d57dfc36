using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Seidr.Workflows.Problems;

namespace Seidr.Workflows.Persistence.Tests.Support;

/// <summary>
/// An OpenAI-compatible chat server standing in for a model, in the test process, so that every model call a
/// <c>seidr</c> child process makes is seen and counted. A request is identified by its prompt and its seed (the model
/// layer draws sample i with seed + i), so a repeated call is a repeated (prompt, seed). Answers are deterministic:
/// the problem's canonical solution for about a third of the (problem, seed) pairs, else a wrong program.
/// </summary>
public sealed class FakeCoder : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly IReadOnlyList<Problem> _problems;
    private readonly ConcurrentQueue<(string Key, DateTime At)> _requests = new();
    private readonly ConcurrentDictionary<string, string> _problemOf = new();
    private readonly TimeSpan _delay;
    private readonly Task _loop;

    public FakeCoder(IReadOnlyList<Problem> problems, TimeSpan delay)
    {
        _problems = problems;
        _delay = delay;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    /// <summary>The request key named in an answer's program (<c># request KEY</c>), or null.</summary>
    public static string? KeyIn(string answer) =>
        System.Text.RegularExpressions.Regex.Match(answer, "# request ([0-9A-F]{16}/-?[0-9]+)") is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>Requests received since the last <see cref="Reset"/>, in arrival order.</summary>
    public IReadOnlyList<(string Key, DateTime At)> Requests => _requests.ToList();

    public void Reset() => _requests.Clear();

    /// <summary>The problem a request key asked about (null for a prompt that names none).</summary>
    public string? ProblemOf(string key) => _problemOf.GetValueOrDefault(key);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(ctx));
        }
    }

    private async Task ServeAsync(HttpListenerContext ctx)
    {
        try
        {
            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
            var messages = body["messages"]!.AsArray();
            var user = messages.Last(m => (string?)m!["role"] == "user")!["content"]!.ToString();
            var seed = body["seed"]?.GetValue<long>() ?? -1;
            var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(user))).Substring(0, 16) + "/" + seed;
            var problem = _problems.FirstOrDefault(p => user.Contains(p.Prompt.Trim(), StringComparison.Ordinal));
            if (problem is not null) _problemOf[key] = problem.Id;
            _requests.Enqueue((key, DateTime.UtcNow));
            await Task.Delay(_delay);
            string answer;
            if (problem is null) answer = "I cannot help with that.";
            else
            {
                var good = Stable(problem.Id + "/" + seed) % 3 == 0;
                var code = good ? problem.Prompt + problem.CanonicalSolution : problem.Prompt + "    return None\n";
                // The request's key as a comment in the program: the response cache's answers then say which requests
                // they answer (the kill-and-resume test needs that), and the program runs the same.
                answer = "```python\n" + code + "\n# request " + key + "\n```";
            }
            var response = new JsonObject
            {
                ["id"] = "chatcmpl-" + key, ["object"] = "chat.completion", ["created"] = 1_700_000_000, ["model"] = (string?)body["model"] ?? "fake",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["finish_reason"] = "stop",
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer },
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = user.Length / 4, ["completion_tokens"] = answer.Length / 4, ["total_tokens"] = user.Length / 4 + answer.Length / 4 },
            };
            var bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength64 = bytes.Length;
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
        catch (Exception)
        {
            try { ctx.Response.Abort(); } catch (Exception) { }
        }
    }

    private static int Stable(string s)
    {
        unchecked
        {
            int h = 17;
            foreach (var c in s) h = h * 31 + c;
            return h & 0x7FFFFFFF;
        }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
