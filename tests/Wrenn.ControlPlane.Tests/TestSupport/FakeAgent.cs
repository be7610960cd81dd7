using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// A gRPC server on a loopback port speaking the host agent's protocol, for control plane behaviour
/// that needs an agent's answer but no sandbox: the calls it serves fail with one given status, or a
/// <see cref="InMemoryHostAgent"/> keeps pretend sandboxes in memory.
/// </summary>
public sealed class FakeAgent : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeAgent(WebApplication app, int port)
    {
        _app = app;
        Address = $"127.0.0.1:{port}";
    }

    /// <summary>host:port, as an agent registers it.</summary>
    public string Address { get; }

    public static Task<FakeAgent> StartAsync(RpcException failure) => StartAsync(new FailingHostAgent(failure));

    /// <summary>An agent served by <paramref name="service"/> (e.g. a <see cref="InMemoryHostAgent"/>).</summary>
    public static async Task<FakeAgent> StartAsync<TService>(TService service)
        where TService : HostAgent.HostAgentBase
    {
        var port = FreeTcpPort.OnLoopback();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, endpoint => endpoint.Protocols = HttpProtocols.Http2));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync().ConfigureAwait(false);
        return new FakeAgent(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
