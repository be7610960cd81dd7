using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Scheduling;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>
/// Where creates land (docs/scheduling.md): spread evens hosts out, pack fills one first, a full or
/// draining host gets nothing new, and a create that fits nowhere is 503 no_capacity with Retry-After.
/// Hosts are in-memory agents registered with real-looking specs; the default overcommit (memory 1.5)
/// applies, so a 1024 MiB host takes three 512 MiB sandboxes.
/// </summary>
public sealed class SchedulingTests
{
    [Fact]
    public async Task Under_spread_thirty_creates_over_three_hosts_land_within_one_of_even()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        for (var i = 0; i < 3; i++)
        {
            await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        }

        for (var i = 0; i < 30; i++)
        {
            await CreateAsync(api, key);
        }

        var counts = hosts.Counts();
        Assert.Equal(30, counts.Sum());
        Assert.True(counts.Max() - counts.Min() <= 1, "per host: " + string.Join(", ", counts));
    }

    [Fact]
    public async Task Under_pack_one_host_fills_before_the_next_gets_any_and_a_full_host_is_skipped()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: options => options.Scheduling.Policy = SchedulingPolicy.Pack);
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        for (var i = 0; i < 3; i++)
        {
            await hosts.AddAsync(api, admin, cpus: 2, memoryMb: 1024);
        }

        // Three fit on a host: the first three go to one host, the next two to one other.
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync(api, key);
        }

        Assert.Equal([0, 2, 3], hosts.Counts().Order());
    }

    [Fact]
    public async Task Under_spread_full_hosts_are_skipped_and_when_all_are_full_a_create_is_503_with_Retry_After_and_leaves_nothing()
    {
        await using var plane = await RunningControlPlane.StartAsync(configure: options => options.Scheduling.NoCapacityRetryAfter = TimeSpan.FromSeconds(7));
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);

        // Room for three on the small host, for twelve on the big one.
        var small = await hosts.AddAsync(api, admin, cpus: 2, memoryMb: 1024);
        var big = await hosts.AddAsync(api, admin, cpus: 2, memoryMb: 4096);
        for (var i = 0; i < 15; i++)
        {
            await CreateAsync(api, key);
        }

        Assert.Equal(3, hosts.Agent(small).Count);
        Assert.Equal(12, hosts.Agent(big).Count);

        using var refused = await PostAsync(plane, "/v1/sandboxes", key);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("no_capacity", (await ErrorCodeAsync(refused)).Code);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);

        // E2B's face says the same, in its shape.
        using var e2b = await PostAsync(plane, "/sandboxes", key, new { templateID = "minimal" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e2b.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), e2b.Headers.RetryAfter?.Delta);

        Assert.Equal(["15"], await TestDatabase.QueryColumnAsync(plane, "SELECT CAST(COUNT(*) AS TEXT) FROM sandboxes"));
        Assert.Equal(15, hosts.Counts().Sum());
    }

    [Fact]
    public async Task A_draining_host_gets_nothing_new_shows_as_draining_and_takes_sandboxes_again_once_undrained()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var drained = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        var other = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);

        var view = await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{drained}/drain", null, HttpStatusCode.OK, admin);
        Assert.Equal("draining", view.GetProperty("state").GetString());
        Assert.True(view.GetProperty("draining").GetBoolean());

        // Draining twice is draining.
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{drained}/drain", null, HttpStatusCode.OK, admin);
        for (var i = 0; i < 6; i++)
        {
            await CreateAsync(api, key);
        }

        Assert.Equal(0, hosts.Agent(drained).Count);
        Assert.Equal(6, hosts.Agent(other).Count);

        var listed = await api.SendAsync(HttpMethod.Get, "/v1/hosts", null, HttpStatusCode.OK, admin);
        var states = listed.GetProperty("hosts").EnumerateArray().ToDictionary(h => h.GetProperty("id").GetString()!, h => h.GetProperty("state").GetString());
        Assert.Equal("draining", states[drained]);
        Assert.Equal("ready", states[other]);

        // A heartbeat says the host is alive, not that it may take sandboxes again.
        var undrained = await api.SendAsync(HttpMethod.Delete, $"/v1/hosts/{drained}/drain", null, HttpStatusCode.OK, admin);
        Assert.Equal("ready", undrained.GetProperty("state").GetString());
        Assert.False(undrained.GetProperty("draining").GetBoolean());

        // The emptier host is chosen under spread.
        await CreateAsync(api, key);
        Assert.Equal(1, hosts.Agent(drained).Count);

        var audit = await api.SendAsync(HttpMethod.Get, "/v1/audit", null, HttpStatusCode.OK, admin);
        var actions = audit.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("host.drain", actions);
        Assert.Contains("host.undrain", actions);
    }

    [Fact]
    public async Task With_every_host_draining_a_create_is_503_with_Retry_After()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        await using var hosts = new SchedulingHosts();
        var (api, admin, key) = await SetUpAsync(plane);
        var only = await hosts.AddAsync(api, admin, cpus: 8, memoryMb: 16_384);
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{only}/drain", null, HttpStatusCode.OK, admin);

        using var refused = await PostAsync(plane, "/v1/sandboxes", key);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var (code, message) = await ErrorCodeAsync(refused);
        Assert.Equal("no_capacity", code);
        Assert.False(string.IsNullOrEmpty(message));
        Assert.Equal(TimeSpan.FromSeconds(10), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(0, hosts.Agent(only).Count);
    }

    [Fact]
    public async Task Draining_an_unknown_host_is_404_in_the_envelope()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        var (api, admin, _) = await SetUpAsync(plane);
        await api.ErrorAsync(HttpMethod.Post, "/v1/hosts/host-0123456789abcdef/drain", null, HttpStatusCode.NotFound, "not_found", admin);
        await api.ErrorAsync(HttpMethod.Delete, "/v1/hosts/host-0123456789abcdef/drain", null, HttpStatusCode.NotFound, "not_found", admin);
    }

    private static async Task<(ControlPlaneApi Api, string Admin, string Key)> SetUpAsync(RunningControlPlane plane)
    {
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();
        return (api, admin, await plane.ApiKeyAsync());
    }

    private static Task CreateAsync(ControlPlaneApi api, string key) =>
        api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { template = "minimal", memory_mb = 512 }, HttpStatusCode.Created, apiKey: key);

    private static async Task<HttpResponseMessage> PostAsync(RunningControlPlane plane, string path, string key, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body ?? new { template = "minimal", memory_mb = 512 }) };
        request.Headers.Add("X-API-Key", key);
        return await plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<(string? Code, string? Message)> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = body.RootElement.GetProperty("error");
        return (error.GetProperty("code").GetString(), error.GetProperty("message").GetString());
    }
}
