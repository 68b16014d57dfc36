using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Seidr.Workflows.Designer.Tests;

public class RunTests : IAsyncLifetime
{
    private TestProject _p = null!;
    public async Task InitializeAsync() => _p = await TestProject.StartAsync(o => o with { RunsDirectory = null });
    public async Task DisposeAsync() => await _p.DisposeAsync();

    private static readonly JsonObject StudioRunRequest = new() { ["correlationId"] = null, ["triggerActivityId"] = null, ["versionOptions"] = "Latest", ["input"] = null };

    [Fact]
    public async Task Execute_starts_the_saved_workflow_and_its_result_is_visible()
    {
        var response = await _p.PostJsonAsync("elsa/api/workflow-definitions/quickstart/execute", StudioRunRequest);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var id = response.Headers.GetValues("x-elsa-workflow-instance-id").Single();
        response.Headers.GetValues("x-elsa-workflow-cannot-start").Single().Should().Be("false");

        JsonObject instance;
        var deadline = DateTime.UtcNow.AddMinutes(5); // a bound on waiting, not a speed check: CI machines are busy
        do
        {
            await Task.Delay(300);
            instance = await _p.GetJsonAsync($"elsa/api/workflow-instances/{id}");
        } while (instance["status"]!.GetValue<string>() == "Running" && DateTime.UtcNow < deadline);

        instance["status"]!.GetValue<string>().Should().Be("Finished");
        instance["subStatus"]!.GetValue<string>().Should().Be("Finished", instance.ToJsonString());
        instance["definitionId"]!.GetValue<string>().Should().Be("quickstart");

        var run = await _p.GetJsonAsync($"designer/api/runs/{id}");
        var variants = run["variants"]!.AsArray();
        variants.Select(v => v!["id"]!.GetValue<string>()).Should().Equal("drafts=1", "drafts=2");
        variants.Should().AllSatisfy(v => v!["metrics"]!["problems"]!.GetValue<double>().Should().Be(5));
        run["completedFlows"]!.GetValue<int>().Should().Be(10);
        var summary = run["summaryPath"]!.GetValue<string>();
        File.Exists(summary).Should().BeTrue();
        summary.Should().StartWith(Path.Combine(_p.Root, "runs", id), "runs go to runs/ of the workflow's project");

        var page = await _p.Http.GetStringAsync($"runs/{id}");
        page.Should().Contain("Finished").And.Contain("<table id=\"summary\">").And.Contain("drafts=2").And.Contain("pass@1");
        (await _p.GetJsonAsync("designer/api/runs?definitionId=quickstart"))["items"]!.AsArray().Should().ContainSingle();
        var list = await _p.PostJsonAsync("elsa/api/workflow-instances", new JsonObject());
        JsonNode.Parse(await list.Content.ReadAsStringAsync())!["items"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task An_invalid_workflow_cannot_start_and_says_why()
    {
        File.WriteAllText(_p.YamlPath, File.ReadAllText(_p.YamlPath).Replace("model: coder", "model: nobody"));
        var response = await _p.PostJsonAsync("elsa/api/workflow-definitions/quickstart/execute", StudioRunRequest);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Contains("x-elsa-workflow-instance-id").Should().BeFalse();
        response.Headers.GetValues("x-elsa-workflow-cannot-start").Single().Should().Be("true");
        (await response.Content.ReadAsStringAsync()).Should().Contain("unknown model 'nobody'");
        var run = (await _p.GetJsonAsync("designer/api/runs?definitionId=quickstart"))["items"]!.AsArray().Single()!;
        run["subStatus"]!.GetValue<string>().Should().Be("Faulted");
        run["messages"]!.AsArray().Should().Contain(m => m!.GetValue<string>().Contains("unknown model 'nobody'"));
    }
}

public class HostTests
{
    [Fact]
    public async Task Bundle_files_are_served_verbatim_with_their_MIME_types_and_precompressed_variants()
    {
        await using var p = await TestProject.StartAsync();
        async Task<HttpResponseMessage> Get(string path, string? encoding = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (encoding is not null) request.Headers.AcceptEncoding.ParseAdd(encoding);
            return await p.Http.SendAsync(request);
        }
        var fw = Path.Combine(p.Root, "studio", "_framework");

        var wasm = await Get("_framework/dotnet.native.abc123.wasm");
        wasm.Content.Headers.ContentType!.MediaType.Should().Be("application/wasm");
        wasm.Content.Headers.ContentEncoding.Should().BeEmpty();
        (await wasm.Content.ReadAsByteArrayAsync()).Should().Equal(File.ReadAllBytes(Path.Combine(fw, "dotnet.native.abc123.wasm")));

        var br = await Get("_framework/dotnet.native.abc123.wasm", "gzip, deflate, br");
        br.Content.Headers.ContentType!.MediaType.Should().Be("application/wasm");
        br.Content.Headers.ContentEncoding.Should().Equal("br");
        br.Headers.Vary.Should().Contain("Accept-Encoding");
        (await br.Content.ReadAsByteArrayAsync()).Should().Equal(File.ReadAllBytes(Path.Combine(fw, "dotnet.native.abc123.wasm.br")));

        var gz = await Get("_framework/dotnet.native.abc123.wasm", "gzip");
        gz.Content.Headers.ContentEncoding.Should().Equal("gzip");
        (await gz.Content.ReadAsByteArrayAsync()).Should().Equal(File.ReadAllBytes(Path.Combine(fw, "dotnet.native.abc123.wasm.gz")));

        foreach (var (file, type) in new[] { ("icudt.x1.dat", "application/octet-stream"), ("Some.Lib.dll", "application/octet-stream"), ("Other.Lib.webcil", "application/octet-stream"), ("blazor.webassembly.js", "text/javascript") })
            (await Get("_framework/" + file)).Content.Headers.ContentType!.MediaType.Should().Be(type, file);
        (await Get("Elsa.Studio.Host.CustomElements.styles.css")).Content.Headers.ContentType!.MediaType.Should().Be("text/css");

        var etag = wasm.Headers.ETag!;
        var again = new HttpRequestMessage(HttpMethod.Get, "_framework/dotnet.native.abc123.wasm");
        again.Headers.IfNoneMatch.Add(etag);
        (await p.Http.SendAsync(again)).StatusCode.Should().Be(HttpStatusCode.NotModified);

        (await Get("_framework/missing.wasm")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Get("_framework/..%2F..%2Fappsettings.json")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Get("appsettings.json")).Content.Headers.ContentType!.MediaType.Should().Be("application/json");
    }

    [Fact]
    public async Task By_default_only_loopback_is_bound_and_only_loopback_names_are_answered()
    {
        await using var p = await TestProject.StartAsync();
        p.Host.Url.Host.Should().Be("127.0.0.1");
        var request = new HttpRequestMessage(HttpMethod.Get, "elsa/api/features/installed");
        request.Headers.Host = "attacker.example";
        (await p.Http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "DNS rebinding must not reach the workflow files");
        var cross = new HttpRequestMessage(HttpMethod.Post, "elsa/api/workflow-definitions/quickstart/publish") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        cross.Headers.Add("Origin", "http://evil.example");
        (await p.Http.SendAsync(cross)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Binding_beyond_loopback_requires_an_api_key()
    {
        var act = async () => await TestProject.StartAsync(o => o with { Host = "0.0.0.0" });
        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("API key");
    }

    [Fact]
    public async Task With_an_api_key_the_api_and_page_require_it()
    {
        await using var p = await TestProject.StartAsync(o => o with { Host = "0.0.0.0", ApiKey = "s3cret" });
        (await p.Http.GetAsync("elsa/api/features/installed")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await p.Http.GetAsync("")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var wrong = new HttpRequestMessage(HttpMethod.Get, "elsa/api/features/installed");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", "nope");
        (await p.Http.SendAsync(wrong)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var right = new HttpRequestMessage(HttpMethod.Get, "elsa/api/features/installed");
        right.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", "s3cret");
        (await p.Http.SendAsync(right)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await p.Http.GetAsync("_framework/blazor.webassembly.js")).StatusCode.Should().Be(HttpStatusCode.OK, "the bundle's public files need no key");

        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = p.Host.Url };
        var page = await browser.GetAsync("?id=quickstart&key=s3cret");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.RequestMessage!.RequestUri!.Query.Should().NotContain("key=", "the key is moved to a cookie");
        (await page.Content.ReadAsStringAsync()).Should().Contain("api-key=\"s3cret\"", "Studio sends Authorization: ApiKey from the element's attribute");
        (await browser.GetAsync("designer/api/runs")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
