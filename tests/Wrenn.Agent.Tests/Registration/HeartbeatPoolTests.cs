using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Pool;
using Wrenn.Agent.Registration;
using Wrenn.Agent.Rpc;

namespace Wrenn.Agent.Tests.Registration;

/// <summary>What the agent tells the control plane about its warm pool on each heartbeat, and what the answer tells the pool.</summary>
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

    [Theory]
    [InlineData("{\"heartbeat_interval_sec\": 30, \"capacity_vcpus\": 32, \"capacity_memory_mb\": 1536}", 32L, 1536L)]
    [InlineData("{\"heartbeat_interval_sec\": 30, \"capacity_vcpus\": 32, \"capacity_memory_mb\": null}", 32L, null)]
    [InlineData("{\"heartbeat_interval_sec\": 30}", null, null)]
    public async Task The_answers_capacity_bounds_the_pool(string answer, long? vcpus, long? memoryMb)
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        using var handler = new CapturingHandler(answer);
        var source = new FixedHeartbeatSource();
        var port = FreeTcpPort.OnLoopback();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(new HostCredentials("host-0123456789abcdef", "token", "secret", "http://127.0.0.1:1", $"127.0.0.1:{port}"));
        builder.Services.AddSingleton(new ControlPlaneClient(new HttpClient(handler, disposeHandler: false), NullLogger<ControlPlaneClient>.Instance));
        builder.Services.AddSingleton<IHeartbeatSource>(source);
        builder.Services.AddSingleton<HostInfoProvider>();
        builder.Services.AddSingleton(Options.Create(new AgentOptions { WrennDir = directory.Path }));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<HeartbeatService>();
        await using var agent = builder.Build();

        await agent.StartAsync(ct);
        try
        {
            // An older control plane says nothing: the pool stays unbounded, as it was.
            Assert.Equal(new HostCapacity(vcpus, memoryMb), await source.FirstCapacity.WaitAsync(TimeSpan.FromMinutes(1), ct));
        }
        finally
        {
            await agent.StopAsync(CancellationToken.None);
        }
    }
}
