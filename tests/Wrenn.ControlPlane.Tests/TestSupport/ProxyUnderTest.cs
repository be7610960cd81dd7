using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wrenn.Common.Configuration;
using Wrenn.ControlPlane.Proxy;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// The proxy's request handling on its own loopback listener, with the sandbox lookup and activity
/// recorder replaced by fakes (what they do with the database and agents is tested end to end).
/// </summary>
public sealed class ProxyUnderTest : IAsyncDisposable
{
    public const string Domain = "sandbox.test";

    private readonly WebApplication _app;

    private ProxyUnderTest(WebApplication app, int port, bool tls)
    {
        _app = app;
        Port = port;
        BaseUri = new Uri($"{(tls ? "https" : "http")}://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri BaseUri { get; }

    public required FakeSandboxUpstreams Upstreams { get; init; }

    public required FakeSandboxActivity Activity { get; init; }

    /// <summary>What the proxy logs, Debug included, with its scopes.</summary>
    public required CapturedLog Log { get; init; }

    public static async Task<ProxyUnderTest> StartAsync(X509Certificate2? certificate = null, string domain = Domain)
    {
        var port = FreeTcpPort.OnLoopback();
        var builder = WebApplication.CreateSlimBuilder();
        var listen = new ListenAddress("127.0.0.1", port);
        builder.WebHost.ConfigureKestrel(kestrel => SandboxProxySetup.Listen(kestrel, listen, certificate));
        var log = new CapturedLog(LogLevel.Debug);
        builder.Logging.AddProvider(log);
        builder.Logging.AddFilter<CapturedLog>(null, LogLevel.Debug);
        var upstreams = new FakeSandboxUpstreams();
        var activity = new FakeSandboxActivity();
        builder.Services.AddSingleton<ISandboxUpstreams>(upstreams);
        builder.Services.AddSingleton<ISandboxActivity>(activity);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new ControlPlaneOptions()));
        builder.Services.AddSingleton<Wrenn.ControlPlane.Hosts.AgentClientPool>();
        builder.Services.AddSandboxProxy(new SandboxProxyOptions { ListenAddress = listen.ToString(), Domain = domain });
        var app = builder.Build();
        app.UseSandboxProxy(listen);
        await app.StartAsync();
        return new ProxyUnderTest(app, port, certificate is not null) { Upstreams = upstreams, Activity = activity, Log = log };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
