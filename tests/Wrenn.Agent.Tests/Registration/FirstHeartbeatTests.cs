using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Registration;
using Wrenn.Agent.Rpc;

namespace Wrenn.Agent.Tests.Registration;

/// <summary>
/// The first heartbeat makes a host ready, and a ready host gets sandboxes at once: it must not go before the agent's
/// server listens. Before the fix it went from the heartbeat service's start, which a web host runs before it opens
/// its port, so a create placed in between was answered 502 host_unavailable (the multi-host harness had to wait for
/// the port itself).
/// </summary>
public sealed class FirstHeartbeatTests
{
    [Fact]
    public async Task The_first_heartbeat_goes_when_the_agents_port_already_accepts_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        using var directory = new TempDirectory();
        var port = FreeTcpPort.OnLoopback();
        using var handler = new ListenProbeHandler(port);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(new HostCredentials("host-0123456789abcdef", "token", "secret", "http://127.0.0.1:1", $"127.0.0.1:{port}"));
        builder.Services.AddSingleton(new ControlPlaneClient(new HttpClient(handler, disposeHandler: false), Microsoft.Extensions.Logging.Abstractions.NullLogger<ControlPlaneClient>.Instance));
        builder.Services.AddSingleton<IHeartbeatSource, FixedHeartbeatSource>();
        builder.Services.AddSingleton<HostInfoProvider>();
        builder.Services.AddSingleton(Options.Create(new AgentOptions { WrennDir = directory.Path }));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<HeartbeatService>();
        await using var agent = builder.Build();

        await agent.StartAsync(ct);
        try
        {
            Assert.True(await handler.FirstHeartbeatFoundServer.WaitAsync(TimeSpan.FromMinutes(1), ct), "the first heartbeat went before the agent's port was open");
        }
        finally
        {
            await agent.StopAsync(CancellationToken.None);
        }
    }
}
