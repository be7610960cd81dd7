namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// A control plane with one host registered, whose agent is an <see cref="InMemoryHostAgent"/> served over real
/// gRPC (<see cref="FakeAgent"/>), and the API key of a team signed up on it: what the sandbox API's tests
/// against an agent that keeps sandboxes in memory start from.
/// </summary>
public sealed class InMemoryAgentPlane : IAsyncDisposable
{
    private readonly FakeAgent _server;

    private InMemoryAgentPlane(InMemoryHostAgent agent, FakeAgent server, RunningControlPlane plane, ControlPlaneApi api, string key)
    {
        Agent = agent;
        _server = server;
        Plane = plane;
        Api = api;
        Key = key;
    }

    public InMemoryHostAgent Agent { get; }

    public RunningControlPlane Plane { get; }

    public ControlPlaneApi Api { get; }

    /// <summary>An API key of the signed-up team.</summary>
    public string Key { get; }

    public static async Task<InMemoryAgentPlane> StartAsync(Action<ControlPlaneOptions>? configure = null)
    {
        var agent = new InMemoryHostAgent();
        var server = await FakeAgent.StartAsync(agent);
        RunningControlPlane? plane = null;
        try
        {
            plane = await RunningControlPlane.StartAsync(configure: configure);
            var api = new ControlPlaneApi(plane);
            var (token, _) = await api.AdminAsync();
            await api.RegisterHostAsync(token, server.Address);
            return new InMemoryAgentPlane(agent, server, plane, api, await plane.ApiKeyAsync());
        }
        catch
        {
            if (plane is not null)
            {
                await plane.DisposeAsync();
            }

            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Plane.DisposeAsync();
        await _server.DisposeAsync();
    }
}
