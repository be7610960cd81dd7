using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Registration;

namespace Wrenn.Agent.Tests.Registration;

/// <summary>What the agent tells the control plane about its warm pool on each heartbeat.</summary>
public sealed class HeartbeatPoolTests
{
    [Fact]
    public async Task A_heartbeat_carries_the_pools_vcpus_and_memory()
    {
        using var handler = new CapturingHandler("{\"heartbeat_interval_sec\": 30}");
        using var http = new HttpClient(handler);
        var client = new ControlPlaneClient(http, NullLogger<ControlPlaneClient>.Instance);
        var credentials = new HostCredentials("host-0123456789abcdef", "token", "secret", "http://127.0.0.1:1", "127.0.0.1:2");
        var specs = new HostSpecsMessage("x64", 2, 4096, 10000, "container", "test");

        await client.HeartbeatAsync(credentials, new HeartbeatRequestMessage("127.0.0.1:2", specs, 3, 4, 1024), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(handler.Bodies));
        Assert.Equal(
            (3, 4L, 1024L),
            (body.RootElement.GetProperty("running_sandboxes").GetInt32(), body.RootElement.GetProperty("pooled_vcpus").GetInt64(), body.RootElement.GetProperty("pooled_memory_mb").GetInt64()));
    }

    [Fact]
    public async Task A_heartbeat_carries_the_pools_ready_sandboxes_per_key()
    {
        using var handler = new CapturingHandler("{\"heartbeat_interval_sec\": 30}");
        using var http = new HttpClient(handler);
        var client = new ControlPlaneClient(http, NullLogger<ControlPlaneClient>.Instance);
        var credentials = new HostCredentials("host-0123456789abcdef", "token", "secret", "http://127.0.0.1:1", "127.0.0.1:2");
        var specs = new HostSpecsMessage("x64", 2, 4096, 10000, "container", "test");

        await client.HeartbeatAsync(credentials, new HeartbeatRequestMessage("127.0.0.1:2", specs, 0, 3, 768, [new HeartbeatPoolLaneMessage("minimal", 1, 256, 2)]), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(handler.Bodies));
        var lane = Assert.Single(body.RootElement.GetProperty("pool").EnumerateArray().ToList());
        Assert.Equal(
            ("minimal", 1L, 256L, 2),
            (lane.GetProperty("template").GetString(), lane.GetProperty("vcpus").GetInt64(), lane.GetProperty("memory_mb").GetInt64(), lane.GetProperty("ready").GetInt32()));
    }
}
