using Microsoft.Extensions.Time.Testing;
using Seidr.Workflows.Models.Accounting;
using Seidr.Workflows.Models.Cache;
using Seidr.Workflows.Models.Resilience;
using Seidr.Workflows.Models.Testing;
using Seidr.Workflows.Models.Tests.Support;

namespace Seidr.Workflows.Models.Tests;

public sealed class CacheTests : IAsyncLifetime
{
    private FakeLlmServer _server = null!;
    public async Task InitializeAsync() => _server = await FakeLlmServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> Models(params (string, object?)[] extra)
    {
        var values = new List<(string, object?)> { ("provider", "openai-compatible"), ("model", "fake-model"), ("base_url", _server.OpenAIBaseUrl.ToString()), ("retry_base_delay_ms", 10) };
        values.AddRange(extra);
        return TestEnv.Models("m", values.ToArray());
    }

    private static ModelRequest Ask(string text, int samples = 1) => new([PromptMessage.User(text)], samples);

    [Fact]
    public async Task A_run_killed_halfway_resumes_without_repeating_a_call()
    {
        var dir = TestEnv.TempDir();
        _server.Latency = TimeSpan.FromMilliseconds(100);
        long stored;
        using (var layer = TestEnv.Layer(Models(("max_concurrency", 1), ("timeout_seconds", 30)), dir, CacheMode.ReadWrite))
        {
            using var cts = new CancellationTokenSource();
            var run = layer.GetClient("m").CompleteAsync(Ask("long job", 10), cts.Token);
            // Kill the run while the 6th call is in flight (calls go one at a time).
            while (_server.RequestCount < 6) await Task.Delay(10);
            cts.Cancel();
            var act = () => run;
            await act.Should().ThrowAsync<OperationCanceledException>();
            stored = layer.Cache!.Count();
        }
        stored.Should().BeInRange(4, 5, "the calls that finished before the kill were stored");
        var firstRunCalls = _server.RequestCount;

        using (var layer = TestEnv.Layer(Models(), dir, CacheMode.ReadWrite))
        {
            var r = await layer.GetClient("m").CompleteAsync(Ask("long job", 10));
            r.Succeeded.Should().BeTrue();
            r.CachedSamples.Should().Be((int)stored);
            r.Calls.Should().Be(10 - (int)stored);
            layer.Cache!.Count().Should().Be(10);
        }
        (_server.RequestCount - firstRunCalls).Should().Be(10 - (int)stored, "no answer that was stored is asked again");
    }

    // Two flows of a matrix ask for the same sample of the same prompt at once (drafts=1 and drafts=2 both draw
    // sample 1). One after the other, the second finds it in the cache; at once, it must wait for the first's answer
    // instead of paying for it again and seeing a different text than a sequential run would.
    [Fact]
    public async Task The_same_sample_asked_by_many_flows_at_once_is_asked_once()
    {
        var dir = TestEnv.TempDir();
        _server.Latency = TimeSpan.FromMilliseconds(200);
        using var layer = TestEnv.Layer(Models(("max_concurrency", 8)), dir, CacheMode.ReadWrite);
        var client = layer.GetClient("m");
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.CompleteAsync(Ask("shared") with { SampleOffset = 1 })));
        _server.RequestCount.Should().Be(1);
        answers.Select(a => a.Samples[0].Text).Distinct().Should().ContainSingle();
        answers.Count(a => a.Calls == 1).Should().Be(1);
        answers.Count(a => a.FromCache).Should().Be(11, "the others got the answer of the call in flight");
        // Overlapping ranges: samples 0-3 and 2-5 share two samples; six are asked in all.
        _server.ResetCounters();
        var overlapping = await Task.WhenAll(client.CompleteAsync(Ask("range", 4) with { SampleOffset = 0 }), client.CompleteAsync(Ask("range", 4) with { SampleOffset = 2 }));
        overlapping.Sum(r => r.Samples.Length - r.CachedSamples).Should().Be(6);
        overlapping[0].Samples[2].Text.Should().Be(overlapping[1].Samples[0].Text);
        layer.Cache!.Count().Should().Be(1 + 6);
    }

    [Fact]
    public async Task A_waiting_flow_asks_itself_when_the_call_it_waited_for_fails()
    {
        var dir = TestEnv.TempDir();
        // The first request fails for good (400 is not retried); the flow that waited on it then asks and succeeds.
        _server.Enqueue(new FakeReply.Delay(TimeSpan.FromMilliseconds(300), new FakeReply.Status(400)));
        using var layer = TestEnv.Layer(Models(("max_concurrency", 4)), dir, CacheMode.ReadWrite);
        var client = layer.GetClient("m");
        var first = client.CompleteAsync(Ask("flaky") with { SampleOffset = 0 });
        while (_server.RequestCount < 1) await Task.Delay(10);
        var second = client.CompleteAsync(Ask("flaky") with { SampleOffset = 0 });
        var (a, b) = (await first, await second);
        a.Succeeded.Should().BeFalse();
        b.Succeeded.Should().BeTrue("the waiting flow asked for the sample itself once the first call failed");
        b.FromCache.Should().BeFalse();
        _server.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task A_cancelled_flow_does_not_cancel_the_flow_waiting_on_its_call()
    {
        var dir = TestEnv.TempDir();
        _server.Latency = TimeSpan.FromMilliseconds(300);
        using var layer = TestEnv.Layer(Models(("max_concurrency", 4)), dir, CacheMode.ReadWrite);
        var client = layer.GetClient("m");
        using var cts = new CancellationTokenSource();
        var first = client.CompleteAsync(Ask("cancelled") with { SampleOffset = 0 }, cts.Token);
        while (_server.RequestCount < 1) await Task.Delay(10);
        var second = client.CompleteAsync(Ask("cancelled") with { SampleOffset = 0 });
        cts.Cancel();
        await ((Func<Task>)(() => first)).Should().ThrowAsync<OperationCanceledException>();
        (await second).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Read_only_serves_hits_and_stores_nothing()
    {
        var dir = TestEnv.TempDir();
        using (var layer = TestEnv.Layer(Models(), dir, CacheMode.ReadWrite))
            await layer.GetClient("m").CompleteAsync(Ask("known"));
        using (var layer = TestEnv.Layer(Models(), dir, CacheMode.ReadOnly))
        {
            (await layer.GetClient("m").CompleteAsync(Ask("known"))).FromCache.Should().BeTrue();
            (await layer.GetClient("m").CompleteAsync(Ask("new"))).FromCache.Should().BeFalse();
            layer.Cache!.Count().Should().Be(1);
        }
        _server.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task Off_makes_every_call()
    {
        using var layer = TestEnv.Layer(Models(), mode: CacheMode.Off);
        layer.Cache.Should().BeNull();
        await layer.GetClient("m").CompleteAsync(Ask("q") with { SampleOffset = 0 });
        await layer.GetClient("m").CompleteAsync(Ask("q") with { SampleOffset = 0 });
        _server.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task Key_depends_on_messages_settings_and_sample_index_but_not_on_batching()
    {
        var dir = TestEnv.TempDir();
        using (var layer = TestEnv.Layer(Models(("supports_n", true), ("samples_per_call", 4)), dir, CacheMode.ReadWrite))
            await layer.GetClient("m").CompleteAsync(Ask("q", 4));
        _server.RequestCount.Should().Be(1);
        using (var layer = TestEnv.Layer(Models(("supports_n", false)), dir, CacheMode.ReadWrite))
        {
            var c = layer.GetClient("m");
            (await c.CompleteAsync(Ask("q", 4))).FromCache.Should().BeTrue("samples 0..3 are the same whether asked with n=4 or one by one");
            (await c.CompleteAsync(Ask("q") with { SampleOffset = 4 })).FromCache.Should().BeFalse();
            (await c.CompleteAsync(Ask("q") with { SampleOffset = 0, Settings = new ModelSettings { Temperature = 0.1 } })).FromCache.Should().BeFalse();
            (await c.CompleteAsync(new ModelRequest([PromptMessage.System("s"), PromptMessage.User("q")], SampleOffset: 0))).FromCache.Should().BeFalse();
        }
        _server.RequestCount.Should().Be(4);
    }

    [Fact]
    public async Task Auto_offsets_give_the_kth_request_of_a_prompt_sample_k()
    {
        var dir = TestEnv.TempDir();
        List<string> first;
        using (var layer = TestEnv.Layer(Models(), dir, CacheMode.ReadWrite))
        {
            var c = layer.GetClient("m");
            var a = await c.CompleteAsync(Ask("same"));
            var b = await c.CompleteAsync(Ask("same", 2));
            a.Samples.Single().Index.Should().Be(0);
            b.Samples.Select(s => s.Index).Should().Equal(1, 2);
            first = [.. a.Texts, .. b.Texts];
            first.Distinct().Should().HaveCount(3);
        }
        using (var layer = TestEnv.Layer(Models(), dir, CacheMode.ReadWrite))
        {
            var c = layer.GetClient("m");
            var again = (await c.CompleteAsync(Ask("same"))).Texts.Concat((await c.CompleteAsync(Ask("same", 2))).Texts);
            again.Should().Equal(first);
        }
        _server.RequestCount.Should().Be(3);
    }

    [Fact]
    public void Cache_keys_are_stable_across_versions()
    {
        // Changing how keys are derived silently invalidates every cache: this pins the derivation.
        var key = ResponseCache.PromptKey("openai", "gpt-4o-mini",
            [PromptMessage.System("s"), PromptMessage.User("def f():\n")],
            new ModelSettings { Temperature = 0.8, TopP = 0.95, MaxTokens = 300, Stop = ["\ndef"], Seed = 1, SamplesPerCall = 10, Timeout = TimeSpan.FromSeconds(5) });
        key.Should().Be(ResponseCache.PromptKey("openai", "gpt-4o-mini", [PromptMessage.System("s"), PromptMessage.User("def f():\n")],
            new ModelSettings { Temperature = 0.8, TopP = 0.95, MaxTokens = 300, Stop = ["\ndef"], Seed = 1 }), "samples_per_call and timeout are not part of the key");
        // SHA-256 of {"v":1,"provider":..,"model":..,"messages":[[role,content],..],"settings":{..}} (compact JSON), checked independently.
        key.Should().Be("85b1524885fc5d48bea8a8be09b47f65a727c050df47c8812648d66e34b021e9");
        ResponseCache.SampleKey(key, 3).Should().NotBe(ResponseCache.SampleKey(key, 4));
    }

    [Fact]
    public async Task Two_layers_write_the_same_cache_file_at_once()
    {
        var dir = TestEnv.TempDir();
        using var a = TestEnv.Layer(Models(("max_concurrency", 16)), dir, CacheMode.ReadWrite);
        using var b = TestEnv.Layer(Models(("max_concurrency", 16)), dir, CacheMode.ReadWrite);
        var calls = Enumerable.Range(0, 30).SelectMany(i => new[]
        {
            a.GetClient("m").CompleteAsync(Ask($"a{i}", 2) with { SampleOffset = 0 }),
            b.GetClient("m").CompleteAsync(Ask($"b{i}", 2) with { SampleOffset = 0 }),
        });
        (await Task.WhenAll(calls)).Should().OnlyContain(r => r.Succeeded);
        a.Cache!.Count().Should().Be(120);
    }

    [Fact]
    public async Task Many_concurrent_requests_share_one_cache_file()
    {
        var dir = TestEnv.TempDir();
        using var layer = TestEnv.Layer(Models(("max_concurrency", 16)), dir, CacheMode.ReadWrite);
        var c = layer.GetClient("m");
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => c.CompleteAsync(Ask($"q{i % 20}", 3) with { SampleOffset = 0 })));
        responses.Should().OnlyContain(r => r.Succeeded);
        layer.Cache!.Count().Should().Be(60);
        var again = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => c.CompleteAsync(Ask($"q{i}", 3) with { SampleOffset = 0 })));
        again.Should().OnlyContain(r => r.FromCache);
    }
}

public sealed class AccountingTests
{
    private static ModelLayer Scripted(ModelLayerOptions? options = null)
    {
        var dir = TestEnv.TempDir();
        var file = Path.Combine(dir, "s.yaml");
        File.WriteAllText(file, "default:\n  answer: \"one two three\"\n");
        return TestEnv.Layer(TestEnv.Models("s", ("provider", "scripted"), ("file", file),
            ("prices", new Dictionary<string, object?> { ["input_per_million"] = "1000000", ["output_per_million"] = "3000000" })), options: options);
    }

    private static ModelRequest Req(string run, string variant, string stage, string problem = "p") =>
        new([PromptMessage.User("a b")], Tags: new CallTags(run, variant, stage, problem));

    [Fact]
    public async Task Usage_and_cost_are_summed_per_stage_variant_and_run()
    {
        using var layer = Scripted();
        var seen = new List<ModelCallRecord>();
        layer.Ledger.Recorded += seen.Add;
        var c = layer.GetClient("s");
        await c.CompleteAsync(Req("r1", "v1", "draft"));
        await c.CompleteAsync(Req("r1", "v1", "draft"));
        await c.CompleteAsync(Req("r1", "v1", "repair"));
        await c.CompleteAsync(Req("r1", "v2", "draft"));
        await c.CompleteAsync(Req("r2", "v1", "draft"));

        seen.Should().HaveCount(5);
        seen[0].Usage.Should().Be(new TokenUsage(2, 3));
        seen[0].Cost.Should().Be(2m + 9m);
        layer.Ledger.ForStage("r1", "v1", "draft").Should().BeEquivalentTo(new { Requests = 2L, Calls = 2L, InputTokens = 4L, OutputTokens = 6L, Cost = 22m });
        layer.Ledger.ForStage("r1", "draft").Requests.Should().Be(3);
        layer.Ledger.ForVariant("r1", "v1").Cost.Should().Be(33m);
        layer.Ledger.ForRun("r1").Calls.Should().Be(4);
        layer.Ledger.Total.Cost.Should().Be(55m);
        layer.Ledger.GroupBy(r => r.Tags.Stage, r => r.Tags.RunId == "r1").Keys.Should().BeEquivalentTo("draft", "repair");
    }

    [Fact]
    public async Task Spending_gate_stops_calls_once_the_budget_is_reached()
    {
        var budget = new ModelBudget(MaxCalls: 2);
        ModelLayer? layerRef = null;
        using var layer = Scripted(new ModelLayerOptions
        {
            SpendingGate = (model, tags) => budget.ExceededBy(layerRef!.Ledger.ForRun(tags.RunId)),
        });
        layerRef = layer;
        var c = layer.GetClient("s");
        (await c.CompleteAsync(Req("r", "v", "draft"))).Succeeded.Should().BeTrue();
        (await c.CompleteAsync(Req("r", "v", "draft"))).Succeeded.Should().BeTrue();
        var refused = await c.CompleteAsync(Req("r", "v", "draft"));
        refused.Succeeded.Should().BeFalse();
        refused.Error!.Kind.Should().Be(ModelErrorKind.BudgetExceeded);
        refused.Error.Message.Should().Contain("max_calls 2");
        refused.Calls.Should().Be(0);
        layer.Ledger.ForRun("r").Calls.Should().Be(2);
        (await c.CompleteAsync(Req("other-run", "v", "draft"))).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Tokens_per_minute_limit_is_applied_to_calls_of_a_provider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        var dir = TestEnv.TempDir();
        File.WriteAllText(Path.Combine(dir, "s.yaml"), "default:\n  answer: \"one two three\"\n");
        using var layer = TestEnv.Layer(TestEnv.Models("s", ("provider", "scripted"), ("file", Path.Combine(dir, "s.yaml")),
            ("tokens_per_minute", 6), ("max_tokens", 10)), options: new ModelLayerOptions { TimeProvider = time });
        var c = layer.GetClient("s");
        (await c.CompleteAsync(Req("r", "v", "draft"))).Usage.TotalTokens.Should().Be(5);
        var second = c.CompleteAsync(Req("r", "v", "draft"));
        await Task.Delay(100);
        second.IsCompleted.Should().BeFalse("5 tokens used + 12 estimated exceed 6 per minute");
        time.Advance(TimeSpan.FromSeconds(61));
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Tokens_per_minute_limit_waits_for_the_window()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2030-01-01T00:00:00Z"));
        var limiter = new TokenRateLimiter(100, time);
        var first = await limiter.AcquireAsync(60, default);
        var second = limiter.AcquireAsync(60, default);
        await Task.Delay(50);
        second.IsCompleted.Should().BeFalse("60 + 60 tokens exceed 100 per minute");
        time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(50);
        second.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(5));

        // Settling with the real count frees the estimate.
        var limiter2 = new TokenRateLimiter(100, time);
        (await limiter2.AcquireAsync(90, default)).Settle(10);
        var quick = limiter2.AcquireAsync(80, default);
        await quick.WaitAsync(TimeSpan.FromSeconds(5));
        limiter2.UsedInWindow().Should().Be(90);
    }
}
