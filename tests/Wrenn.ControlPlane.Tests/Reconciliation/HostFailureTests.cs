using System.Net;
using System.Text.Json;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests.Reconciliation;

/// <summary>
/// A host whose agent stops sending heartbeats, with two in-memory agents: its sandboxes are lost (not
/// running) in /v1 and E2B, new sandboxes go to the other host, and when it beats again the sandboxes
/// it still has run again while the rest are stopped, and destroyed on the host when killed meanwhile.
/// A sandbox is never on two hosts: whatever a host has that belongs elsewhere, or to nobody, goes.
/// </summary>
public sealed class HostFailureTests : IAsyncLifetime
{
    private readonly InMemoryHostAgent _agentA = new();
    private readonly InMemoryHostAgent _agentB = new();
    private FakeAgent _serverA = null!;
    private FakeAgent _serverB = null!;
    private RunningControlPlane _plane = null!;
    private ControlPlaneApi _api = null!;
    private E2bClient _e2b = null!;
    private string _admin = string.Empty;
    private string _key = string.Empty;
    private HostHeartbeats? _hostA;
    private HostHeartbeats? _hostB;

    public async ValueTask InitializeAsync()
    {
        _serverA = await FakeAgent.StartAsync(_agentA);
        _serverB = await FakeAgent.StartAsync(_agentB);

        // Heartbeats every second, three may be missed; the reconciler looks every 200 ms.
        _plane = await RunningControlPlane.StartAsync(configure: options =>
        {
            options.HeartbeatInterval = TimeSpan.FromSeconds(1);
            options.MissedHeartbeatsBeforeUnreachable = 3;
            options.ReconcileInterval = TimeSpan.FromMilliseconds(200);
        });
        _api = new ControlPlaneApi(_plane);
        (_admin, _) = await _api.AdminAsync();
        _key = await _plane.ApiKeyAsync();
        _e2b = new E2bClient(_plane, _key);
    }

    public async ValueTask DisposeAsync()
    {
        if (_hostA is not null)
        {
            await _hostA.DisposeAsync();
        }

        if (_hostB is not null)
        {
            await _hostB.DisposeAsync();
        }

        await _plane.DisposeAsync();
        await _serverA.DisposeAsync();
        await _serverB.DisposeAsync();
    }

    [Fact]
    public async Task A_silent_hosts_sandboxes_are_lost_creates_go_elsewhere_and_survivors_run_again_when_it_returns()
    {
        // Only A is up: everything made now is on A.
        _hostA = await HostHeartbeats.RegisterAsync(_plane, _admin, _serverA.Address);
        var survivor = await CreateAsync();
        var pausedSurvivor = await CreateAsync();
        await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{pausedSurvivor}/pause", null, HttpStatusCode.OK, apiKey: _key);
        var dies = await CreateAsync();
        var killedMeanwhile = await CreateAsync();
        string[] onA = [survivor, pausedSurvivor, dies, killedMeanwhile];
        _hostB = await HostHeartbeats.RegisterAsync(_plane, _admin, _serverB.Address);

        await _hostA.StopAsync();
        var silentFrom = _hostA.LastBeatAt;
        await WaitForAsync(async () => await HostStateAsync(_hostA.HostId) == "unreachable", "host A unreachable");
        var noticedAfter = DateTime.UtcNow - silentFrom;
        await WaitForAsync(async () => await StateAsync(survivor) == "lost", "sandbox lost");
        TestContext.Current.TestOutputHelper?.WriteLine($"host A unreachable {noticedAfter.TotalSeconds:0.0} s after its last heartbeat (interval 1 s, 3 missed)");

        // Lost everywhere a user looks: each sandbox, the list and its filter, E2B's routes.
        Assert.All(onA, id => Assert.Equal("lost", StateAsync(id).GetAwaiter().GetResult()));
        var running = await _api.SendAsync(HttpMethod.Get, "/v1/sandboxes?state=running", null, HttpStatusCode.OK, apiKey: _key);
        Assert.DoesNotContain(Ids(running), onA.Contains);
        var lost = await _api.SendAsync(HttpMethod.Get, "/v1/sandboxes?state=lost", null, HttpStatusCode.OK, apiKey: _key);
        Assert.Equal(onA.Order(), Ids(lost).Order());
        var e2bList = await _e2b.SendAsync(HttpMethod.Get, "/v2/sandboxes", null, HttpStatusCode.OK);
        Assert.DoesNotContain(e2bList.Body.EnumerateArray().Select(s => s.GetProperty("sandboxID").GetString()), onA.Contains);
        Assert.Contains("lost", await _e2b.ErrorAsync(HttpMethod.Get, $"/sandboxes/{survivor}", null, HttpStatusCode.BadGateway), StringComparison.Ordinal);

        // Work on a lost sandbox says why it cannot run.
        await _api.ErrorAsync(HttpMethod.Post, $"/v1/sandboxes/{survivor}/exec", new { cmd = "true" }, HttpStatusCode.BadGateway, "host_unavailable", apiKey: _key);
        await _api.ErrorAsync(HttpMethod.Post, $"/v1/sandboxes/{pausedSurvivor}/resume", new { }, HttpStatusCode.BadGateway, "host_unavailable", apiKey: _key);

        // New sandboxes go to B.
        var created = await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: _key);
        Assert.Equal(_hostB.HostId, created.GetProperty("host_id").GetString());

        // While A is away: one sandbox dies with it, one is killed by its owner (A cannot be told yet).
        Assert.True(_agentA.Remove(dies));
        await _api.SendAsync(HttpMethod.Delete, $"/v1/sandboxes/{killedMeanwhile}", null, HttpStatusCode.NoContent, apiKey: _key);
        Assert.Equal("stopped", await StateAsync(killedMeanwhile));
        Assert.NotNull(_agentA.Find(killedMeanwhile));

        await _hostA.StartAsync();
        // The reconciler settles each lost sandbox with a write of its own: wait for all three.
        await WaitForAsync(async () => await StateAsync(survivor) == "running", "survivor running again");
        await WaitForAsync(async () => await StateAsync(pausedSurvivor) == "paused", "paused survivor paused again");
        await WaitForAsync(async () => await StateAsync(dies) == "stopped", "the sandbox that died with A stopped");

        Assert.Equal("ready", await HostStateAsync(_hostA.HostId));
        await WaitForAsync(() => Task.FromResult(_agentA.Find(killedMeanwhile) is null), "the sandbox killed meanwhile destroyed on A");
        Assert.Contains(killedMeanwhile, _agentA.Destroyed);
        Assert.Equal("stopped", await StateAsync(killedMeanwhile));
        Assert.DoesNotContain(survivor, _agentA.Destroyed);
        var ran = await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{survivor}/exec", new { cmd = "echo back" }, HttpStatusCode.OK, apiKey: _key);
        Assert.Equal("ran echo back", ran.GetProperty("stdout").GetString());
        await _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{pausedSurvivor}/resume", new { }, HttpStatusCode.OK, apiKey: _key);
        await _e2b.SendAsync(HttpMethod.Get, $"/sandboxes/{survivor}", null, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_sandbox_a_host_has_that_belongs_on_another_host_or_to_nobody_is_destroyed_there()
    {
        _hostA = await HostHeartbeats.RegisterAsync(_plane, _admin, _serverA.Address);
        var id = await CreateAsync();
        _hostB = await HostHeartbeats.RegisterAsync(_plane, _admin, _serverB.Address);

        // B comes back with a copy of A's sandbox (it ran there before) and one nobody made.
        _agentB.Plant(_agentA.Find(id)!);
        var stranger = new SandboxInfo { SandboxId = "sb-00000000000000ff", State = SandboxState.Running, Template = "base" };
        _agentB.Plant(stranger);

        await WaitForAsync(() => Task.FromResult(_agentB.Count == 0), "B emptied");

        Assert.Contains(id, _agentB.Destroyed);
        Assert.Contains(stranger.SandboxId, _agentB.Destroyed);
        Assert.NotNull(_agentA.Find(id));
        Assert.DoesNotContain(id, _agentA.Destroyed);
        var sandbox = await _api.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", null, HttpStatusCode.OK, apiKey: _key);
        Assert.Equal("running", sandbox.GetProperty("state").GetString());
        Assert.Equal(_hostA.HostId, sandbox.GetProperty("host_id").GetString());
    }

    private async Task<string> CreateAsync() =>
        (await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: _key)).GetProperty("id").GetString()!;

    private async Task<string> StateAsync(string id) =>
        (await _api.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", null, HttpStatusCode.OK, apiKey: _key)).GetProperty("state").GetString()!;

    private async Task<string> HostStateAsync(string hostId)
    {
        var hosts = await _api.SendAsync(HttpMethod.Get, "/v1/hosts", null, HttpStatusCode.OK, _admin);
        return hosts.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("id").GetString() == hostId).GetProperty("state").GetString()!;
    }

    private static IEnumerable<string> Ids(JsonElement list) =>
        list.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetString()!);

    /// <summary>Polls until <paramref name="condition"/> holds; a generous limit, not a timing goal.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for: " + what);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
