using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Tests.Http;

/// <summary>POST /init, the access token it sets, GET /envs and GET /metrics.</summary>
public sealed class InitAndAccessTokenTests : IAsyncLifetime
{
    private RunningEnvd _envd = null!;

    public async ValueTask InitializeAsync() => _envd = await RunningEnvd.StartAsync();

    public async ValueTask DisposeAsync() => await _envd.DisposeAsync();

    [Fact]
    public async Task Init_sets_environment_for_new_processes_and_envs_reports_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var init = await PostInitAsync(new { envVars = new Dictionary<string, string> { ["FROM_INIT"] = "yes" }, defaultWorkdir = "/tmp" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, init.StatusCode);
        }

        var result = await new ConnectTestClient(_envd.Http).StartAsync(ConnectTestClient.Command("sh", "-c", "echo $FROM_INIT; pwd"), json: false, cancellationToken: ct);
        Assert.Equal("yes\n/tmp\n", ConnectTestClient.Stdout(result.Events));

        using var envs = JsonDocument.Parse(await _envd.Http.GetStringAsync(new Uri("/envs", UriKind.Relative), ct));
        Assert.Equal("yes", envs.RootElement.GetProperty("FROM_INIT").GetString());
    }

    [Fact]
    public async Task Before_init_every_call_but_health_needs_the_token_envd_was_started_with()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = _envd.NewClient(accessToken: null);
        using var wrong = _envd.NewClient("wrong");
        foreach (var client in new[] { anonymous, wrong })
        {
            using (var health = await client.GetAsync(new Uri("/health", UriKind.Relative), ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
            }

            using (var envs = await client.GetAsync(new Uri("/envs", UriKind.Relative), ct))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, envs.StatusCode);
                using var body = JsonDocument.Parse(await envs.Content.ReadAsStringAsync(ct));
                Assert.Contains("valid access token", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            }

            using (var download = await client.GetAsync(new Uri("/files?path=/etc/hostname", UriKind.Relative), ct))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, download.StatusCode);
            }

            Assert.Equal(HttpStatusCode.Unauthorized, (await new ConnectUnaryClient(client).CallAsync("process.Process/List", new ListRequest(), ListResponse.Parser)).Status);

            // The first caller's /init claimed envd before: now it needs the token too, whatever it carries.
            using var claim = await PostInitAsync(client, new { accessToken = "attacker", timestamp = DateTimeOffset.UtcNow.AddYears(10) });
            Assert.Equal(HttpStatusCode.Unauthorized, claim.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await new ConnectUnaryClient(_envd.Http).CallAsync("process.Process/List", new ListRequest(), ListResponse.Parser)).Status);
    }

    [Fact]
    public async Task Envd_started_without_a_token_serves_nothing_but_health()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bare = await RunningEnvd.StartAsync(accessToken: null);
        using (var envs = await bare.Http.GetAsync(new Uri("/envs", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, envs.StatusCode);
        }

        using (var claim = await PostInitAsync(bare.Http, new { accessToken = "first-caller" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, claim.StatusCode);
        }

        using var claimed = bare.NewClient("first-caller");
        Assert.Equal(HttpStatusCode.Unauthorized, (await new ConnectUnaryClient(claimed).CallAsync("process.Process/List", new ListRequest(), ListResponse.Parser)).Status);
    }

    [Fact]
    public async Task Init_replaces_the_token_and_only_the_current_one_opens_envd()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var init = await PostInitAsync(new { accessToken = "s3cret" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, init.StatusCode);
        }

        using var old = _envd.NewClient(RunningEnvd.StartToken);
        using var current = _envd.NewClient("s3cret");
        var unary = new ConnectUnaryClient(old);
        Assert.Equal(HttpStatusCode.Unauthorized, (await unary.CallAsync("process.Process/List", new ListRequest(), ListResponse.Parser)).Status);
        Assert.Equal(HttpStatusCode.OK, (await unary.CallAsync("process.Process/List", new ListRequest(), ListResponse.Parser, accessToken: "s3cret")).Status);

        // The start token no longer opens /init either; the current one does, and may keep itself.
        using (var reinit = await PostInitAsync(old, new { accessToken = "other" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, reinit.StatusCode);
        }

        using (var same = await PostInitAsync(current, new { envVars = new Dictionary<string, string> { ["X"] = "1" } }))
        {
            Assert.Equal(HttpStatusCode.NoContent, same.StatusCode);
        }

        using var envs = JsonDocument.Parse(await current.GetStringAsync(new Uri("/envs", UriKind.Relative), ct));
        Assert.Equal("1", envs.RootElement.GetProperty("X").GetString());
    }

    [Fact]
    public async Task Commands_do_not_see_the_access_token()
    {
        var result = await new ConnectTestClient(_envd.Http).StartAsync(ConnectTestClient.Command("sh", "-c", "env; tr '\\0' '\\n' < /proc/self/environ"), json: false, cancellationToken: TestContext.Current.CancellationToken);
        var output = ConnectTestClient.Stdout(result.Events);
        Assert.Contains("PATH=", output, StringComparison.Ordinal);
        Assert.DoesNotContain(RunningEnvd.StartToken, output, StringComparison.Ordinal);
        Assert.DoesNotContain("WRENN_ENVD_ACCESS_TOKEN", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_future_timestamp_is_refused_with_an_error_and_the_hosts_next_init_applies()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var future = await PostInitAsync(new { envVars = new Dictionary<string, string> { ["GEN"] = "future" }, timestamp = DateTimeOffset.UtcNow.AddDays(30) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
            using var body = JsonDocument.Parse(await future.Content.ReadAsStringAsync(ct));
            Assert.Contains("in the future", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var honest = await PostInitAsync(new { envVars = new Dictionary<string, string> { ["GEN"] = "host" }, timestamp = DateTimeOffset.UtcNow }))
        {
            Assert.Equal(HttpStatusCode.NoContent, honest.StatusCode);
        }

        using var envs = JsonDocument.Parse(await _envd.Http.GetStringAsync(new Uri("/envs", UriKind.Relative), ct));
        Assert.Equal("host", envs.RootElement.GetProperty("GEN").GetString());
    }

    [Fact]
    public async Task A_signed_download_url_works_without_the_token_until_it_expires()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(Path.GetTempPath(), "wrenn-signed-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(file, "signed", ct);
        try
        {
            using (var init = await PostInitAsync(new { accessToken = "tok" }))
            {
                Assert.Equal(HttpStatusCode.NoContent, init.StatusCode);
            }

            var expires = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
            var signature = Wrenn.Envd.Http.FileSignature.Compute(file, "read", "root", "tok", expires);
            var url = $"/files?path={Uri.EscapeDataString(file)}&username=root&signature={Uri.EscapeDataString(signature)}&signature_expiration={expires}";
            Assert.Equal("signed", await _envd.Http.GetStringAsync(new Uri(url, UriKind.Relative), ct));

            var expired = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
            var stale = Wrenn.Envd.Http.FileSignature.Compute(file, "read", "root", "tok", expired);
            using var refused = await _envd.Http.GetAsync(new Uri($"/files?path={Uri.EscapeDataString(file)}&username=root&signature={Uri.EscapeDataString(stale)}&signature_expiration={expired}", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_init_older_than_the_last_one_applied_is_refused_with_an_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var now = DateTimeOffset.UtcNow;
        using (var newer = await PostInitAsync(new { envVars = new Dictionary<string, string> { ["GEN"] = "2" }, timestamp = now }))
        {
            Assert.Equal(HttpStatusCode.NoContent, newer.StatusCode);
        }

        using (var older = await PostInitAsync(new { envVars = new Dictionary<string, string> { ["GEN"] = "1" }, timestamp = now.AddSeconds(-10) }))
        {
            Assert.Equal(HttpStatusCode.Conflict, older.StatusCode);
            Assert.Contains("not newer", await older.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using var envs = JsonDocument.Parse(await _envd.Http.GetStringAsync(new Uri("/envs", UriKind.Relative), ct));
        Assert.Equal("2", envs.RootElement.GetProperty("GEN").GetString());
    }

    [Fact]
    public void Entropy_goes_into_the_kernels_pool_and_the_generator_reseeds()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "RNDADDENTROPY needs CAP_SYS_ADMIN");

        // Throws unless the kernel took both ioctls (tests run on the host, whose pool this only adds to).
        Wrenn.Envd.Http.KernelRandom.AddAndReseed(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        Assert.Throws<ArgumentOutOfRangeException>(() => Wrenn.Envd.Http.KernelRandom.AddAndReseed([]));
    }

    [Fact]
    public async Task Init_takes_entropy_and_refuses_what_is_not_base64()
    {
        using (var seeded = await PostInitAsync(new { entropy = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)) }))
        {
            Assert.Equal(HttpStatusCode.NoContent, seeded.StatusCode);
        }

        using var malformed = await PostInitAsync(new { entropy = "not base64!" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task Metrics_report_cpu_memory_and_disk()
    {
        using var metrics = JsonDocument.Parse(await _envd.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken));
        var root = metrics.RootElement;
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("cpu_count").GetInt32());
        Assert.InRange(root.GetProperty("cpu_used_pct").GetDouble(), 0, 100);
        Assert.True(root.GetProperty("mem_total").GetInt64() > root.GetProperty("mem_used").GetInt64());
        Assert.Equal(root.GetProperty("mem_total").GetInt64() / (1024 * 1024), root.GetProperty("mem_total_mib").GetInt64());
        Assert.True(root.GetProperty("mem_cache").GetInt64() >= 0);
        Assert.True(root.GetProperty("disk_total").GetInt64() >= root.GetProperty("disk_used").GetInt64());
        Assert.InRange(root.GetProperty("ts").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Outside_a_vm_init_leaves_the_hostname_alone_and_refuses_one_that_is_not_a_hostname()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await File.ReadAllTextAsync("/proc/sys/kernel/hostname", ct);
        using (var asked = await PostInitAsync(new { hostname = "sb-0123456789abcdef", envVars = new Dictionary<string, string> { ["GEN"] = "1" } }))
        {
            // This envd's kernel is the host's (as a container's is): it names nothing and says so by omission.
            Assert.Equal(HttpStatusCode.NoContent, asked.StatusCode);
            Assert.False(asked.Headers.Contains("X-Wrenn-Hostname"));
        }

        Assert.Equal(before, await File.ReadAllTextAsync("/proc/sys/kernel/hostname", ct));
        using (var bad = await PostInitAsync(new { hostname = "a b\n127.0.0.1 evil", envVars = new Dictionary<string, string> { ["GEN"] = "2" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        // The refused /init changed nothing.
        using var envs = JsonDocument.Parse(await _envd.Http.GetStringAsync(new Uri("/envs", UriKind.Relative), ct));
        Assert.Equal("1", envs.RootElement.GetProperty("GEN").GetString());
    }

    [Fact]
    public async Task A_malformed_init_is_400_and_envd_keeps_serving()
    {
        using var content = new StringContent("{not json", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _envd.Http.PostAsync(new Uri("/init", UriKind.Relative), content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var health = await _envd.Http.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
    }

    private Task<HttpResponseMessage> PostInitAsync(object body) => PostInitAsync(_envd.Http, body);

    private static Task<HttpResponseMessage> PostInitAsync(HttpClient client, object body)
    {
        var content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return client.PostAsync(new Uri("/init", UriKind.Relative), content, TestContext.Current.CancellationToken);
    }
}
