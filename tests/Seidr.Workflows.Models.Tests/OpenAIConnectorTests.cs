using System.Diagnostics;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Models.Testing;
using Seidr.Workflows.Models.Tests.Support;

namespace Seidr.Workflows.Models.Tests;

/// <summary>The real Semantic Kernel OpenAI connector against a loopback OpenAI-compatible server.</summary>
public sealed class OpenAIConnectorTests : IAsyncLifetime
{
    private FakeLlmServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeLlmServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ModelLayer Layer(params (string Key, object? Value)[] extra)
    {
        var values = new List<(string, object?)>
        {
            ("provider", "openai-compatible"), ("model", "fake-model"), ("base_url", _server.OpenAIBaseUrl.ToString()),
            ("max_retries", 3), ("retry_base_delay_ms", 10), ("timeout_seconds", 20), // generous: a loaded CI machine must not turn a normal answer into a timeout retry
        };
        foreach (var (k, v) in extra)
        {
            values.RemoveAll(x => x.Item1 == k);
            values.Add((k, v));
        }
        return TestEnv.Layer(TestEnv.Models("m", values.ToArray()));
    }

    private static ModelRequest Ask(string text = "Write a function.", int samples = 1) =>
        new([PromptMessage.System("You are a careful programmer."), PromptMessage.User(text)], samples, Tags: new CallTags("run1", "v1", "draft", "P/0"));

    [Fact]
    public async Task Normal_answer_returns_text_usage_and_sends_the_settings()
    {
        using var layer = Layer(("temperature", 0.2), ("top_p", 0.9), ("max_tokens", 64), ("stop", new List<object?> { "\ndef", "\nclass" }), ("seed", 7));
        _server.Enqueue(new FakeReply.Text("def f():\n    return 1\n"));

        var r = await layer.GetClient("m").CompleteAsync(Ask());

        r.Succeeded.Should().BeTrue();
        r.Text.Should().Be("def f():\n    return 1\n");
        r.Samples[0].FinishReason.Should().Be("stop");
        r.Usage.InputTokens.Should().Be(("You are a careful programmer.".Length + "Write a function.".Length) / 4);
        r.Usage.OutputTokens.Should().Be(5);
        r.Calls.Should().Be(1);
        r.FromCache.Should().BeFalse();
        r.Model.Should().Be("m");
        r.ModelId.Should().Be("fake-model");

        var body = _server.Requests.Single().Body!;
        body["model"]!.GetValue<string>().Should().Be("fake-model");
        body["temperature"]!.GetValue<double>().Should().BeApproximately(0.2, 1e-6);
        body["top_p"]!.GetValue<double>().Should().BeApproximately(0.9, 1e-6);
        body["max_completion_tokens"]!.GetValue<int>().Should().Be(64);
        body["max_tokens"]!.GetValue<int>().Should().Be(64, "OpenAI-compatible servers also get max_tokens");
        body["stop"]!.AsArray().Select(x => x!.GetValue<string>()).Should().Equal("\ndef", "\nclass");
        body["seed"]!.GetValue<long>().Should().Be(7);
        var messages = body["messages"]!.AsArray();
        messages.Select(m => m!["role"]!.GetValue<string>()).Should().Equal("system", "user");
        messages[1]!["content"]!.GetValue<string>().Should().Be("Write a function.");
    }

    [Fact]
    public async Task Request_overrides_win_over_configured_settings()
    {
        using var layer = Layer(("temperature", 0.2));
        await layer.GetClient("m").CompleteAsync(Ask() with { Settings = new ModelSettings { Temperature = 1.0 } });
        _server.Requests.Single().Body!["temperature"]!.GetValue<double>().Should().BeApproximately(1.0, 1e-6);
    }

    [Fact]
    public async Task N_samples_in_one_call_when_the_server_supports_n()
    {
        using var layer = Layer(("supports_n", true), ("samples_per_call", 4), ("max_tokens", 32));
        var r = await layer.GetClient("m").CompleteAsync(Ask(samples: 4));

        _server.RequestCount.Should().Be(1);
        _server.Requests[0].Body!["n"]!.GetValue<int>().Should().Be(4);
        _server.Requests[0].Body!["max_tokens"]!.GetValue<int>().Should().Be(32);
        r.Samples.Select(s => s.Text).Should().Equal("answer 1.0", "answer 1.1", "answer 1.2", "answer 1.3");
        r.Samples.Select(s => s.Index).Should().Equal(0, 1, 2, 3);
        r.Usage.OutputTokens.Should().Be(20);
        r.Calls.Should().Be(1);
    }

    [Fact]
    public async Task N_samples_as_parallel_calls_when_n_is_not_supported()
    {
        using var layer = Layer(("supports_n", false), ("samples_per_call", 4), ("seed", 100));
        var r = await layer.GetClient("m").CompleteAsync(Ask(samples: 3));

        _server.RequestCount.Should().Be(3);
        _server.Requests.Should().OnlyContain(q => q.Body!["n"] == null);
        // Sample i is drawn with seed + i so that parallel calls do not repeat each other.
        _server.Requests.Select(q => q.Body!["seed"]!.GetValue<long>()).Order().Should().Equal(100, 101, 102);
        r.Samples.Should().HaveCount(3).And.OnlyContain(s => s.Succeeded && s.Text.StartsWith("answer "));
        r.Samples.Select(s => s.Text).Distinct().Should().HaveCount(3);
        r.Calls.Should().Be(3);
        r.Usage.OutputTokens.Should().Be(15);
    }

    [Fact]
    public async Task Batches_of_samples_per_call()
    {
        using var layer = Layer(("supports_n", true), ("samples_per_call", 4));
        var r = await layer.GetClient("m").CompleteAsync(Ask(samples: 10));
        _server.Requests.Select(q => q.Body!["n"]!.GetValue<int>()).Order().Should().Equal(2, 4, 4);
        r.Samples.Should().HaveCount(10);
        r.Samples.Select(s => s.Index).Should().Equal(Enumerable.Range(0, 10));
    }

    [Fact]
    public async Task Rate_limited_429_honours_retry_after_then_succeeds()
    {
        using var layer = Layer();
        _server.Enqueue(new FakeReply.Status(429, RetryAfter: "1"), new FakeReply.Text("ok"));
        var sw = Stopwatch.StartNew();
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        sw.Stop();

        r.Succeeded.Should().BeTrue();
        r.Text.Should().Be("ok");
        r.Attempts.Should().Be(2);
        _server.RequestCount.Should().Be(2);
        var gap = _server.Requests[1].At - _server.Requests[0].At;
        gap.Should().BeGreaterThan(TimeSpan.FromMilliseconds(950), "the base backoff is 10 ms, so only Retry-After: 1 explains the wait");
    }

    [Fact]
    public async Task Persistent_429_fails_as_rate_limited_and_long_retry_after_is_capped()
    {
        using var layer = Layer(("max_retries", 2), ("max_retry_delay_seconds", 0.2));
        _server.Enqueue(Enumerable.Repeat<FakeReply>(new FakeReply.Status(429, RetryAfter: "3600"), 3).ToArray());
        var sw = Stopwatch.StartNew();
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "Retry-After: 3600 is capped at 0.2 s");
        r.Error!.Kind.Should().Be(ModelErrorKind.RateLimited);
        r.Error.StatusCode.Should().Be(429);
        r.Error.Attempts.Should().Be(3);
    }

    [Fact]
    public async Task Server_error_500_is_retried()
    {
        using var layer = Layer();
        _server.Enqueue(new FakeReply.Status(500), new FakeReply.Status(503), new FakeReply.Text("fine"));
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        r.Text.Should().Be("fine");
        r.Attempts.Should().Be(3);
    }

    [Fact]
    public async Task Persistent_500_returns_a_failed_response_instead_of_throwing()
    {
        using var layer = Layer(("max_retries", 2));
        _server.Enqueue(Enumerable.Repeat<FakeReply>(new FakeReply.Status(500), 3).ToArray());
        var r = await layer.GetClient("m").CompleteAsync(Ask());

        r.Succeeded.Should().BeFalse();
        r.Error!.Kind.Should().Be(ModelErrorKind.ServerError);
        r.Error.StatusCode.Should().Be(500);
        r.Error.Attempts.Should().Be(3);
        r.Samples.Single().Text.Should().BeEmpty();
        _server.RequestCount.Should().Be(3);
        var act = () => r.EnsureSuccess();
        act.Should().Throw<ModelCallFailedException>().Which.Error.Kind.Should().Be(ModelErrorKind.ServerError);
        layer.Ledger.Total.FailedSamples.Should().Be(1);
    }

    [Fact]
    public async Task Client_error_400_is_not_retried()
    {
        using var layer = Layer();
        _server.Enqueue(new FakeReply.Status(400));
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        r.Error!.Kind.Should().Be(ModelErrorKind.Rejected);
        _server.RequestCount.Should().Be(1);
    }

    [Fact]
    public async Task Slow_answer_past_the_timeout_is_retried()
    {
        using var layer = Layer(("timeout_seconds", 0.3));
        _server.Enqueue(new FakeReply.Delay(TimeSpan.FromSeconds(5), new FakeReply.Text("late")), new FakeReply.Text("quick"));
        var sw = Stopwatch.StartNew();
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        r.Text.Should().Be("quick");
        r.Attempts.Should().Be(2);
        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task Always_slow_answers_fail_with_timeout()
    {
        using var layer = Layer(("timeout_seconds", 0.2), ("max_retries", 1));
        _server.Enqueue(new FakeReply.Delay(TimeSpan.FromSeconds(5), new FakeReply.Normal()), new FakeReply.Delay(TimeSpan.FromSeconds(5), new FakeReply.Normal()));
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        r.Error!.Kind.Should().Be(ModelErrorKind.Timeout);
        r.Error.Attempts.Should().Be(2);
    }

    [Fact]
    public async Task Malformed_json_once_is_retried_and_the_sample_delivered()
    {
        using var layer = Layer();
        _server.Enqueue(new FakeReply.Malformed());
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        r.Succeeded.Should().BeTrue("a truncated answer is a server under load, asked again");
        r.Attempts.Should().Be(2);
        _server.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task Malformed_json_on_every_attempt_is_a_failed_sample_not_a_crash()
    {
        using var layer = Layer();
        _server.Enqueue(Enumerable.Repeat<FakeReply>(new FakeReply.Malformed(), 4).ToArray());
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        r.Succeeded.Should().BeFalse();
        r.Error!.Kind.Should().Be(ModelErrorKind.InvalidResponse);
        r.Error.Attempts.Should().Be(4);
        r.FailedSamples.Should().Be(1);
        r.FailedCalls.Should().Be(1);
    }

    [Fact]
    public async Task Malformed_json_on_the_n_path_is_a_failed_sample_too()
    {
        using var layer = Layer(("supports_n", true), ("samples_per_call", 3), ("max_retries", 0));
        _server.Enqueue(new FakeReply.Malformed("not json at all"));
        var r = await layer.GetClient("m").CompleteAsync(Ask(samples: 3));
        r.Samples.Should().HaveCount(3).And.OnlyContain(s => s.Error!.Kind == ModelErrorKind.InvalidResponse);
        r.FailedSamples.Should().Be(3);
        r.FailedCalls.Should().Be(1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_connection_reset_before_any_answer_is_retried_on_both_paths(int samples)
    {
        // samples 1 goes through Semantic Kernel's connector, 3 through the protocol method (n): the reset must be a
        // network error on both, not a permanent "HTTP 0" (the lost-samples defect).
        // The backoff would wait a minute; the call must be done long before that (30 s: room for a loaded machine).
        using var layer = Layer(("supports_n", true), ("samples_per_call", samples), ("retry_base_delay_ms", 60_000));
        _server.Enqueue(new FakeReply.Reset());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var r = await layer.GetClient("m").CompleteAsync(Ask(samples: samples), cts.Token);
        r.Succeeded.Should().BeTrue("a connection that ended before any answer is asked again at once, not after the backoff");
        r.Samples.Should().HaveCount(samples);
        _server.RequestCount.Should().Be(2, "the reset request and the one sent again");
    }

    [Fact]
    public async Task Empty_answer_is_recorded_as_an_empty_sample()
    {
        using var layer = Layer();
        _server.Enqueue(new FakeReply.Text("", "length"));
        var r = await layer.GetClient("m").CompleteAsync(Ask());
        r.Succeeded.Should().BeTrue();
        r.Samples[0].IsEmpty.Should().BeTrue();
        r.Samples[0].FinishReason.Should().Be("length");
    }

    [Fact]
    public async Task Cancellation_propagates()
    {
        using var layer = Layer(("timeout_seconds", 30));
        _server.Enqueue(new FakeReply.Delay(TimeSpan.FromSeconds(10), new FakeReply.Normal()));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var act = async () => await layer.GetClient("m").CompleteAsync(Ask(), cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
        _server.RequestCount.Should().Be(1);
    }

    [Fact]
    public async Task Calls_in_flight_are_limited_per_provider()
    {
        _server.Latency = TimeSpan.FromMilliseconds(100);
        using var layer = Layer(("max_concurrency", 3));
        var client = layer.GetClient("m");
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => client.CompleteAsync(Ask($"q{i}"))));
        _server.RequestCount.Should().Be(12);
        _server.MaxInFlight.Should().Be(3);
    }

    [Fact]
    public async Task Azure_openai_uses_the_v1_path_and_the_api_key_header()
    {
        var models = TestEnv.Models("az", ("provider", "azure-openai"), ("deployment", "my-gpt"), ("base_url", _server.Root.ToString()),
            ("api_key_env", "FAKE_KEY"), ("max_retries", 0), ("max_tokens", 10));
        using var layer = TestEnv.Layer(models);
        var r = await layer.GetClient("az").CompleteAsync(Ask());
        r.Succeeded.Should().BeTrue();
        var seen = _server.Requests.Single();
        seen.Path.Should().Be("/openai/v1/chat/completions");
        seen.Headers["api-key"].Should().Be("sk-test-secret-123");
        seen.Body!["max_tokens"].Should().BeNull("OpenAI and Azure get max_completion_tokens only");
        seen.Body!["model"]!.GetValue<string>().Should().Be("my-gpt");
    }

    [Fact]
    public async Task Api_key_is_sent_but_never_appears_in_errors_or_definitions()
    {
        var models = TestEnv.Models("o", ("provider", "openai"), ("model", "gpt-x"), ("base_url", _server.OpenAIBaseUrl.ToString()),
            ("api_key_env", "FAKE_KEY"), ("max_retries", 0));
        using var layer = TestEnv.Layer(models);
        _server.Enqueue(new FakeReply.Status(401, Body: "{\"error\":{\"message\":\"Incorrect API key provided\"}}"));
        var r = await layer.GetClient("o").CompleteAsync(Ask());
        _server.Requests.Single().Headers["authorization"].Should().Be("Bearer sk-test-secret-123");
        r.Error!.Kind.Should().Be(ModelErrorKind.Rejected);
        r.Error.Message.Should().NotContain("sk-test-secret-123");
        layer.Models["o"].ToString().Should().NotContain("sk-test");
        (layer.Models["o"] with { }).Provider.ToString().Should().NotContain("sk-test");
    }

    [Fact]
    public async Task Missing_api_key_is_a_configuration_error_naming_the_variable()
    {
        var models = TestEnv.Models("o", ("provider", "openai"), ("model", "gpt-x"), ("api_key_env", "SEIDR_TEST_UNSET_KEY"));
        using var layer = TestEnv.Layer(models);
        layer.Validate("o").Should().ContainSingle().Which.Should().Contain("SEIDR_TEST_UNSET_KEY");
        var act = () => layer.GetClient("o");
        act.Should().Throw<ModelConfigurationException>().Where(e => e.ModelName == "o" && e.Key == "api_key_env" && e.Message.Contains("SEIDR_TEST_UNSET_KEY"));

        // An OpenAI-compatible server needs no key, unless api_key_env names one.
        var local = TestEnv.Models("l", ("provider", "openai-compatible"), ("model", "x"), ("base_url", _server.OpenAIBaseUrl.ToString()));
        using (var l = TestEnv.Layer(local)) (await l.GetClient("l").CompleteAsync(Ask())).Succeeded.Should().BeTrue();
        var keyed = TestEnv.Models("k", ("provider", "openai-compatible"), ("model", "x"), ("base_url", _server.OpenAIBaseUrl.ToString()), ("api_key_env", "SEIDR_TEST_UNSET_KEY"));
        using (var k = TestEnv.Layer(keyed)) k.Invoking(x => x.GetClient("k")).Should().Throw<ModelConfigurationException>().Where(e => e.Key == "api_key_env");
    }

    [Fact]
    public async Task Completions_api_sends_the_prompt_verbatim_for_code_models()
    {
        using var layer = Layer(("api", "completions"), ("supports_n", true), ("samples_per_call", 2), ("stop", new List<object?> { "\ndef" }));
        var prompt = "def add(a, b):\n    \"\"\" Add. \"\"\"\n";
        _server.Enqueue(new FakeReply.Text("    return a + b\n", "stop"));
        var r = await layer.GetClient("m").CompleteAsync(ModelRequest.ForText(prompt) with { Samples = 2 });

        r.Texts.Should().Equal("    return a + b\n", "    return a + b\n");
        var seen = _server.Requests.Single();
        seen.Path.Should().Be("/v1/completions");
        seen.Body!["prompt"]!.GetValue<string>().Should().Be(prompt);
        seen.Body["n"]!.GetValue<int>().Should().Be(2);
        seen.Body["stop"]!.AsArray().Single()!.GetValue<string>().Should().Be("\ndef");
        r.Usage.OutputTokens.Should().Be(10);
    }

    [Fact]
    public async Task Completions_api_errors_are_retried_like_chat()
    {
        using var layer = Layer(("api", "completions"));
        _server.Enqueue(new FakeReply.Status(429, RetryAfter: "0"), new FakeReply.Status(502), new FakeReply.Text("x"));
        var r = await layer.GetClient("m").CompleteAsync(ModelRequest.ForText("p"));
        r.Text.Should().Be("x");
        r.Attempts.Should().Be(3);
        _server.Enqueue(Enumerable.Repeat<FakeReply>(new FakeReply.Malformed(), 4).ToArray());
        (await layer.GetClient("m").CompleteAsync(ModelRequest.ForText("q"))).Error!.Kind.Should().Be(ModelErrorKind.InvalidResponse);
    }

    [Fact]
    public async Task Rerun_is_served_from_the_cache_with_zero_calls()
    {
        var dir = TestEnv.TempDir();
        var models = TestEnv.Models("m", ("provider", "openai-compatible"), ("model", "fake-model"), ("base_url", _server.OpenAIBaseUrl.ToString()));
        ModelResponse first;
        using (var layer = TestEnv.Layer(models, dir, CacheMode.ReadWrite))
            first = await layer.GetClient("m").CompleteAsync(Ask(samples: 3));
        _server.RequestCount.Should().Be(3);

        using (var layer = TestEnv.Layer(models, dir, CacheMode.ReadWrite))
        {
            var again = await layer.GetClient("m").CompleteAsync(Ask(samples: 3));
            again.FromCache.Should().BeTrue();
            again.Texts.Should().Equal(first.Texts);
            again.Usage.TotalTokens.Should().Be(0);
            again.CachedUsage.Should().Be(first.Usage);
            again.Cost.Should().Be(0);
            layer.Ledger.Total.Calls.Should().Be(0);
        }
        _server.RequestCount.Should().Be(3, "the second run made no call");
    }
}
