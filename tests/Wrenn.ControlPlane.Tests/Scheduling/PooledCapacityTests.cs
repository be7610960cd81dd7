using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Scheduling;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>
/// A host's warm pool holds real sandboxes: what its heartbeat reports pooled counts in the host's load when the
/// control plane places a sandbox, but gives way to sandboxes (the agent destroys pooled ones for their room),
/// and the heartbeat's answer tells the agent the capacity its pool must stay within.
/// </summary>
public sealed class PooledCapacityTests : IAsyncLifetime
{
    private RunningControlPlane _plane = null!;
    private string _admin = string.Empty;
    private string _key = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _plane = await RunningControlPlane.StartAsync();
        _admin = await _plane.AdminTokenAsync();
        _key = await _plane.ApiKeyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _plane.DisposeAsync();
    }

    [Fact]
    public async Task A_pool_gives_its_room_to_a_create_and_the_answer_tells_the_agent_the_hosts_capacity()
    {
        // 2 CPUs and 1024 MiB of memory: 32 vCPUs and 1536 MiB with the default overcommit; nothing listens at its address.
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin);
        var specs = new { arch = "x64", cpus = 2, memory_mb = 1024, disk_mb = 100000, runtime = "container" };
        var registered = await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = $"127.0.0.1:{FreeTcpPort.OnLoopback()}", specs }, null);
        var hostId = registered.GetProperty("host_id").GetString()!;
        var hostToken = registered.GetProperty("host_token").GetString()!;

        // The answer says how much the host's sandboxes and pool may hold together: the agent keeps its pool within it.
        var answer = await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { running_sandboxes = 0, pooled_vcpus = 2, pooled_memory_mb = 1200 }, hostToken);
        Assert.Equal(32, answer.GetProperty("capacity_vcpus").GetInt64());
        Assert.Equal(1536, answer.GetProperty("capacity_memory_mb").GetInt64());

        // Its pool holds 1200 MiB, so a 512 MiB sandbox fits only in the pool's room: the pool gives way (its agent
        // destroys pooled sandboxes for it) and the host is picked (the call to its absent agent fails otherwise).
        var (_, code) = await CreateAsync();
        Assert.NotEqual("no_capacity", code);
    }

    [Fact]
    public async Task A_burst_that_claims_the_pool_takes_the_pools_room_and_is_not_counted_twice()
    {
        await using var hosts = new SchedulingHosts();
        var api = new ControlPlaneApi(_plane);

        // 1 CPU: room for 16 vCPUs (the default overcommit); its pool holds 10 ready 1-vCPU sandboxes of
        // minimal, so 6 more fit beside them. The agent claims from its pool between heartbeats, and
        // until the next one the pool's totals still count the claimed sandboxes.
        var hostId = await hosts.AddAsync(api, _admin, cpus: 1, memoryMb: 65_536);
        var hostToken = hosts.HostToken(hostId);
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { pooled_vcpus = 10, pooled_memory_mb = 5120, pool = new[] { new { template = "minimal", vcpus = 1, memory_mb = 512, ready = 10 } } }, hostToken);

        // Ten at once claim the ten ready ones: each takes a pooled sandbox's room, none needs new room.
        var burst = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CreateAsync()));
        Assert.All(burst, result => Assert.Null(result.Code));

        // The pool is used up: the next ones need room of their own, and 6 vCPUs are left, not 0 (the
        // claimed ten counted once, as sandboxes) nor more (the host is full at 16).
        for (var i = 0; i < 6; i++)
        {
            Assert.Null((await CreateAsync()).Code);
        }

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "no_capacity"), await CreateAsync());
        Assert.Equal(16, hosts.Agent(hostId).Count);
    }

    [Fact]
    public async Task A_pool_of_another_template_or_size_gives_way_to_sandboxes_but_never_beyond_the_host()
    {
        await using var hosts = new SchedulingHosts();
        var api = new ControlPlaneApi(_plane);
        var hostId = await hosts.AddAsync(api, _admin, cpus: 1, memoryMb: 65_536);
        var hostToken = hosts.HostToken(hostId);

        // 14 of its 16 vCPUs pooled, for another image and for minimal at another size: none of it is a hit for
        // minimal at 1 vCPU and 512 MiB, but all of it gives way. The host takes 16 such sandboxes, not 2, and no more.
        var pool = new[] { new { template = "other", vcpus = 1, memory_mb = 512, ready = 10 }, new { template = "minimal", vcpus = 2, memory_mb = 512, ready = 2 } };
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { pooled_vcpus = 14, pooled_memory_mb = 6144, pool }, hostToken);
        for (var i = 0; i < 16; i++)
        {
            Assert.Null((await CreateAsync()).Code);
        }

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "no_capacity"), await CreateAsync());
        Assert.Equal(16, hosts.Agent(hostId).Count);
    }

    [Fact]
    public async Task A_cold_create_after_a_burst_that_claimed_the_pool_and_its_refill_gets_the_pools_room()
    {
        await using var hosts = new SchedulingHosts();
        var api = new ControlPlaneApi(_plane);

        // The issue's host: 2 CPUs (32 vCPUs of room), a pool of 20 ready 1-vCPU sandboxes of minimal.
        var hostId = await hosts.AddAsync(api, _admin, cpus: 2, memoryMb: 65_536);
        var hostToken = hosts.HostToken(hostId);
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { pooled_vcpus = 20, pooled_memory_mb = 10_240, pool = new[] { new { template = "minimal", vcpus = 1, memory_mb = 512, ready = 20 } } }, hostToken);
        var burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CreateAsync()));
        Assert.All(burst, result => Assert.Null(result.Code));

        // The agent refilled what its capacity left beside the 20 claimed ones: 12. The host is full, by its pool.
        await SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { pooled_vcpus = 12, pooled_memory_mb = 6144, pool = new[] { new { template = "minimal", vcpus = 1, memory_mb = 512, ready = 12 } } }, hostToken);

        // A create the pool does not serve (another size) still gets room: the pool's, which the agent gives up.
        Assert.Null((await CreateAsync(memoryMb: 1024)).Code);
        Assert.Equal(21, hosts.Agent(hostId).Count);
    }

    [Fact]
    public void A_host_full_only_by_its_pool_comes_after_every_host_with_room_of_its_own()
    {
        // Under pack the fuller host comes first, but not one that fits only once its pool gives way.
        var ranking = new PlacementRanking(SchedulingPolicy.Pack, 16, 1.5);
        var roomy = new HostCandidate(new HostEntity { Id = "host-a", Address = "a:1", State = HostEntity.ReadyState, Cpus = 1, MemoryMb = 65_536 }, UsedVcpus: 4, UsedMemoryMb: 2048, Sandboxes: 4);
        var pooledFull = new HostCandidate(new HostEntity { Id = "host-b", Address = "b:1", State = HostEntity.ReadyState, Cpus = 1, MemoryMb = 65_536 }, UsedVcpus: 16, UsedMemoryMb: 8192, Sandboxes: 10, PooledVcpus: 6, PooledMemoryMb: 3072);
        var full = new HostCandidate(new HostEntity { Id = "host-c", Address = "c:1", State = HostEntity.ReadyState, Cpus = 1, MemoryMb = 65_536 }, UsedVcpus: 16, UsedMemoryMb: 8192, Sandboxes: 16);
        var ranked = ranking.Rank([pooledFull, full, roomy], 1, 512);
        Assert.Equal(["host-a", "host-b"], ranked.Select(c => c.Host.Id));
    }

    [Fact]
    public async Task A_pool_whose_ready_sandboxes_exceed_its_totals_is_refused()
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin);
        var registered = await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = "127.0.0.1:1" }, null);
        var path = $"/v1/hosts/{registered.GetProperty("host_id").GetString()}/heartbeat";
        var token = registered.GetProperty("host_token").GetString();

        // Ready sandboxes fit in the totals: accepted.
        var (status, _) = await HeartbeatAsync(path, token, new { pooled_vcpus = 4, pooled_memory_mb = 2048, pool = new[] { new { template = "minimal", vcpus = 1, memory_mb = 512, ready = 4 } } });
        Assert.Equal(HttpStatusCode.OK, status);

        // More ready than the totals hold would let a host make its sandboxes count for less than they are.
        (status, var text) = await HeartbeatAsync(path, token, new { pooled_vcpus = 1, pooled_memory_mb = 512, pool = new[] { new { template = "minimal", vcpus = 1, memory_mb = 512, ready = 4 } } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("pooled_vcpus", text, StringComparison.Ordinal);
        (status, _) = await HeartbeatAsync(path, token, new { pooled_vcpus = 1, pooled_memory_mb = 512, pool = new[] { new { template = "", vcpus = 1, memory_mb = 512, ready = 0 } } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    [InlineData(1_000_000, 0)]
    public async Task Implausible_pool_figures_are_refused(int vcpus, long memoryMb)
    {
        var created = await SendAsync(HttpMethod.Post, "/v1/hosts", null, _admin);
        var registered = await SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = "127.0.0.1:1" }, null);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/hosts/{registered.GetProperty("host_id").GetString()}/heartbeat")
        {
            Content = JsonContent.Create(new { pooled_vcpus = vcpus, pooled_memory_mb = memoryMb }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", registered.GetProperty("host_token").GetString());
        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<(HttpStatusCode Status, string Text)> HeartbeatAsync(string path, string? token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private async Task<(HttpStatusCode Status, string? Code)> CreateAsync(int memoryMb = 512)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sandboxes") { Content = JsonContent.Create(new { template = "minimal", memory_mb = memoryMb }) };
        request.Headers.Add("X-API-Key", _key);
        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var body = JsonDocument.Parse(text);
        return (response.StatusCode, body.RootElement.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
