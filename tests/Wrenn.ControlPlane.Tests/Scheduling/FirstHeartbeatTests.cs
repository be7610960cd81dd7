using System.Net;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>
/// An agent registers before it serves (it has not even built its gRPC server yet). Until its first
/// heartbeat says it is alive, the host is pending and nothing is placed on it: a create answers 503
/// no_capacity and never reaches the agent; from the first heartbeat on, creates go there.
/// </summary>
public sealed class FirstHeartbeatTests
{
    [Fact]
    public async Task Nothing_is_placed_on_a_registered_host_before_its_first_heartbeat()
    {
        var agent = new InMemoryHostAgent();
        await using var host = await FakeAgent.StartAsync(agent);
        await using var plane = await RunningControlPlane.StartAsync();
        var api = new ControlPlaneApi(plane);
        var (admin, _) = await api.AdminAsync();
        var key = await plane.ApiKeyAsync();
        var created = await api.SendAsync(HttpMethod.Post, "/v1/hosts", null, HttpStatusCode.Created, admin);
        var registered = await api.SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = host.Address }, HttpStatusCode.OK);
        var hostId = registered.GetProperty("host_id").GetString()!;

        Assert.Equal("pending", await StateAsync(api, admin, hostId));
        var refused = await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.ServiceUnavailable, apiKey: key);
        Assert.Equal("no_capacity", refused.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, agent.Count);

        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{hostId}/heartbeat", new { }, HttpStatusCode.OK, registered.GetProperty("host_token").GetString());

        Assert.Equal("ready", await StateAsync(api, admin, hostId));
        var sandbox = await api.SendAsync(HttpMethod.Post, "/v1/sandboxes", new { }, HttpStatusCode.Created, apiKey: key);
        Assert.NotNull(agent.Find(sandbox.GetProperty("id").GetString()!));
    }

    private static async Task<string?> StateAsync(ControlPlaneApi api, string admin, string hostId)
    {
        var hosts = await api.SendAsync(HttpMethod.Get, "/v1/hosts", null, HttpStatusCode.OK, admin);
        return hosts.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("id").GetString() == hostId).GetProperty("state").GetString();
    }
}
