using System.Net;

namespace Wrenn.ControlPlane.Tests.Sandboxes;

/// <summary>
/// Activity after a create, with a short interval: calls within the interval that began at the create
/// ping the host agent not at all (the create started its timer), and once the interval has passed,
/// a burst of calls pings it exactly once.
/// </summary>
public sealed class SandboxActivityIntervalTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    private InMemoryAgentPlane _setup = null!;
    private InMemoryHostAgent _agent = null!;
    private RunningControlPlane _plane = null!;
    private ControlPlaneApi _api = null!;
    private string _key = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _setup = await InMemoryAgentPlane.StartAsync(options => options.ActivityInterval = Interval);
        (_agent, _plane, _api, _key) = (_setup.Agent, _setup.Plane, _setup.Api, _setup.Key);
    }

    public async ValueTask DisposeAsync()
    {
        await _setup.DisposeAsync();
    }

    [Fact]
    public async Task The_first_calls_after_a_create_do_not_ping_and_a_burst_after_the_interval_pings_once()
    {
        var created = DateTime.UtcNow;
        var id = (await _api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: _key)).GetProperty("id").GetString()!;
        await ExecAsync(id);
        var soon = DateTime.UtcNow - created < Interval;

        await Task.Delay(Interval + TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        for (var i = 0; i < 5; i++)
        {
            await ExecAsync(id);
        }

        // Only meaningful when the first exec came within the interval (a very slow machine may not).
        if (soon)
        {
            Assert.Equal(1, _agent.PingCalls);
        }
        else
        {
            Assert.InRange(_agent.PingCalls, 1, 2);
        }

        var lastActive = (await _api.SendAsync(HttpMethod.Get, $"/v1/sandboxes/{id}", null, HttpStatusCode.OK, apiKey: _key)).GetProperty("last_active_at").GetDateTime().ToUniversalTime();
        Assert.True(lastActive >= created + Interval, $"last_active_at {lastActive:O} was not moved by the calls after the interval");
    }

    private Task ExecAsync(string id) =>
        _api.SendAsync(HttpMethod.Post, $"/v1/sandboxes/{id}/exec", new { cmd = "true" }, HttpStatusCode.OK, apiKey: _key);
}
