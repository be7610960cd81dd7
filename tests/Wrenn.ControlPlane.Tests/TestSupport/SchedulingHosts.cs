using System.Net;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// In-memory agents registered as hosts of one size (so the scheduler has capacity to count) on a
/// control plane; each host's sandboxes are what its agent holds.
/// </summary>
public sealed class SchedulingHosts : IAsyncDisposable
{
    private readonly List<FakeAgent> _servers = [];
    private readonly Dictionary<string, string> _tokens = [];

    public List<(string Id, InMemoryHostAgent Agent)> Hosts { get; } = [];

    /// <summary>Starts an agent and registers it with <paramref name="cpus"/> CPUs and <paramref name="memoryMb"/> MiB; its host id.</summary>
    public async Task<string> AddAsync(ControlPlaneApi api, string adminToken, int cpus, long memoryMb)
    {
        var agent = new InMemoryHostAgent();
        var server = await FakeAgent.StartAsync(agent);
        _servers.Add(server);
        var created = await api.SendAsync(HttpMethod.Post, "/v1/hosts", null, HttpStatusCode.Created, adminToken);
        var specs = new { arch = "x64", cpus, memory_mb = memoryMb, disk_mb = 100_000, runtime = "container" };
        var registered = await api.SendAsync(HttpMethod.Post, "/v1/hosts/register", new { token = created.GetProperty("registration_token").GetString(), address = server.Address, specs }, HttpStatusCode.OK);
        var id = registered.GetProperty("host_id").GetString()!;

        // A real agent's first heartbeat follows its registration at once; only then is the host ready.
        await api.SendAsync(HttpMethod.Post, $"/v1/hosts/{id}/heartbeat", new { }, HttpStatusCode.OK, registered.GetProperty("host_token").GetString());
        Hosts.Add((id, agent));
        _tokens[id] = registered.GetProperty("host_token").GetString()!;
        return id;
    }

    /// <summary>How many sandboxes each host's agent holds, in the order the hosts were added.</summary>
    public int[] Counts() => [.. Hosts.Select(h => h.Agent.Count)];

    /// <summary>A host token of the host, for heartbeats a test sends as its agent.</summary>
    public string HostToken(string hostId) => _tokens[hostId];

    public InMemoryHostAgent Agent(string hostId) => Hosts.Single(h => h.Id == hostId).Agent;

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
