using System.Globalization;
using System.Net;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>
/// GET /v1/sandboxes/{id}/metrics on a real control plane whose host is an <see cref="InMemoryHostAgent"/>:
/// the values now as before, plus the host's kept readings, narrowed by start and end.
/// </summary>
public sealed class SandboxMetricsApiTests : IAsyncLifetime
{
    private readonly InMemoryHostAgent _host = new();
    private FakeAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private E2bClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _agent = await FakeAgent.StartAsync(_host);
        _plane = await RunningControlPlane.StartAsync(configure: RunningControlPlane.OpenSignup);
        var api = new ControlPlaneApi(_plane);
        var (admin, _) = await api.AdminAsync();
        await api.RegisterHostAsync(admin, _agent.Address);

        // An API key in X-API-Key: the same key works on /v1.
        _client = new E2bClient(_plane, await _plane.ApiKeyAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task Metrics_carry_the_values_now_and_the_hosts_samples_oldest_first()
    {
        var id = await CreateAsync();

        var metrics = (await _client.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}/metrics", null, HttpStatusCode.OK)).Body;

        Assert.Equal(12.5, metrics.GetProperty("cpu_used_pct").GetDouble());
        Assert.Equal(64L << 20, metrics.GetProperty("memory_used_bytes").GetInt64());
        var samples = metrics.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal([10.0, 20.0, 30.0], samples.Select(s => s.GetProperty("cpu_used_pct").GetDouble()));
        Assert.Equal(3_000_000, samples[^1].GetProperty("cpu_time_total_us").GetInt64());
        Assert.Equal(8L << 20, samples[0].GetProperty("memory_cache_bytes").GetInt64());
        Assert.Equal(1L << 30, samples[0].GetProperty("disk_total_bytes").GetInt64());
        var newest = samples[^1].GetProperty("timestamp").GetDateTimeOffset();
        Assert.InRange(newest, DateTimeOffset.UtcNow.AddSeconds(-10), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Start_and_end_take_unix_seconds_or_rfc3339_and_narrow_the_samples()
    {
        var id = await CreateAsync();
        var now = DateTimeOffset.UtcNow;

        var recent = await SamplesAsync(id, $"start={now.AddSeconds(-90).ToUnixTimeSeconds()}");
        var early = await SamplesAsync(id, $"start={Uri.EscapeDataString(now.AddSeconds(-200).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))}&end={Uri.EscapeDataString(now.AddSeconds(-90).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture))}");

        Assert.Equal([20.0, 30.0], recent);
        Assert.Equal([10.0], early);
        await _client.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}/metrics?start=yesterday", null, HttpStatusCode.BadRequest);
        await _client.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}/metrics?end=2026-12-05T10:00:00", null, HttpStatusCode.BadRequest);
    }

    private async Task<List<double>> SamplesAsync(string id, string query)
    {
        var body = (await _client.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}/metrics?{query}", null, HttpStatusCode.OK)).Body;
        return [.. body.GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("cpu_used_pct").GetDouble())];
    }

    private async Task<string> CreateAsync()
    {
        var created = await _client.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "base" }, HttpStatusCode.Created);
        return created.Body.GetProperty("id").GetString()!;
    }
}
