using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>A gRPC server on loopback serving <see cref="TunnellingHostAgent"/>, and the host entity naming it.</summary>
public sealed class TunnelAgent : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TunnelAgent(WebApplication app, int port, TunnellingHostAgent agent)
    {
        _app = app;
        Agent = agent;
        Host = new HostEntity { Id = "host-00000000000000aa", Address = $"http://127.0.0.1:{port}", State = HostEntity.ReadyState, AgentSecret = Convert.ToHexStringLower(new byte[32]) };
    }

    public TunnellingHostAgent Agent { get; }

    public HostEntity Host { get; }

    public static async Task<TunnelAgent> StartAsync()
    {
        var port = FreeTcpPort.OnLoopback();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, endpoint => endpoint.Protocols = HttpProtocols.Http2));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGrpc();
        var agent = new TunnellingHostAgent();
        builder.Services.AddSingleton(agent);
        var app = builder.Build();
        app.MapGrpcService<TunnellingHostAgent>();
        await app.StartAsync();
        return new TunnelAgent(app, port, agent);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
