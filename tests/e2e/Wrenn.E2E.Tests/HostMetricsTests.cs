using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.E2E.Tests;

/// <summary>GET /v1/hosts/{id}/metrics: the host's totals, read live from its agent.</summary>
[Collection(PlatformCollection.Name)]
public sealed class HostMetricsTests(PlatformFixture fixture)
{
    private PlatformCalls Api => new(fixture.Platform);

    [Fact]
    public async Task Host_metrics_add_up_the_live_sandboxes_and_describe_the_machine()
    {
        var ct = TestContext.Current.CancellationToken;
        // The first admin's credentials, as the control plane wrote them at its first start.
        var admin = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixture.Platform.WrennDir, "admin-credentials.json"), ct)).RootElement;
        using var login = await fixture.Platform.Http.PostAsJsonAsync("/v1/auth/login", new { email = admin.GetProperty("email").GetString(), password = admin.GetProperty("password").GetString() }, ct);
        var token = JsonDocument.Parse(await login.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("token").GetString()!;
        using var session = new HttpClient { BaseAddress = fixture.Platform.ApiUrl };
        session.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var hosts = JsonDocument.Parse(await session.GetStringAsync(new Uri("/v1/hosts", UriKind.Relative), ct)).RootElement.GetProperty("hosts");
        var hostId = hosts.EnumerateArray().Single().GetProperty("id").GetString()!;

        var running = await Api.CreateSandboxAsync(new { vcpus = 1, memory_mb = 256 });
        var paused = await Api.CreateSandboxAsync(new { vcpus = 2, memory_mb = 512 });
        try
        {
            await Api.PostAsync($"/v1/sandboxes/{paused}/pause", null, HttpStatusCode.OK);
            using var response = await session.GetAsync(new Uri($"/v1/hosts/{hostId}/metrics", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var metrics = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
            Assert.Equal((1, 1, 3), (metrics.GetProperty("sandboxes_running").GetInt32(), metrics.GetProperty("sandboxes_paused").GetInt32(), metrics.GetProperty("vcpus_allocated").GetInt32()));
            Assert.Equal(768L * 1024 * 1024, metrics.GetProperty("memory_allocated_bytes").GetInt64());
            Assert.InRange(metrics.GetProperty("memory_used_bytes").GetInt64(), 1, 768L * 1024 * 1024);
            Assert.Equal(Environment.ProcessorCount, metrics.GetProperty("host_cpus").GetInt32());
            Assert.True(metrics.GetProperty("host_memory_available_bytes").GetInt64() < metrics.GetProperty("host_memory_total_bytes").GetInt64());
            Assert.True(metrics.GetProperty("host_disk_free_bytes").GetInt64() > 0);

            // An API key is not an account: host calls need a logged-in administrator.
            using var withKey = await fixture.Platform.Http.GetAsync(new Uri($"/v1/hosts/{hostId}/metrics", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.Unauthorized, withKey.StatusCode);
            using var unknown = await session.GetAsync(new Uri("/v1/hosts/host-0000000000000000/metrics", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        finally
        {
            await Api.DeleteSandboxQuietlyAsync(running);
            await Api.DeleteSandboxQuietlyAsync(paused);
        }
    }
}
