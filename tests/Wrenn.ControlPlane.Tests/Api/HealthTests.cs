using System.Net;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>GET /health says ready only when a host agent answers a call, not when one merely sent a heartbeat once.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_is_503_while_the_host_heard_from_does_not_answer_and_200_once_an_agent_does()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();

        // Just heard from, at an address where nothing listens any more: what the database holds
        // right after a restart, before the agent's new registration arrives.
        await api.RegisterHostAsync(admin, $"127.0.0.1:{FreeTcpPort.OnLoopback()}");
        var silent = await api.SendAsync(HttpMethod.Get, "/health", null, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("none answers", silent.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        await using var agent = await FakeAgent.StartAsync(new InMemoryHostAgent());
        await api.RegisterHostAsync(admin, agent.Address);
        var ready = await api.SendAsync(HttpMethod.Get, "/health", null, HttpStatusCode.OK);
        Assert.Equal("ok", ready.GetProperty("status").GetString());
    }
}
