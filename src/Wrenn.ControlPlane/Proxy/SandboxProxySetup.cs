using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wrenn.Common.Configuration;
using Wrenn.ControlPlane.Sandboxes;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>Wires the sandbox proxy into the control plane: its services, its own listener, and the branch that sends that listener's requests to it alone.</summary>
public static class SandboxProxySetup
{
    /// <summary>
    /// Registers the proxy's services. Its options are registered even when the proxy is off: the E2B
    /// routes read the domain from them. The sandbox service provides the waker and activity recorder.
    /// </summary>
    public static IServiceCollection AddSandboxProxy(this IServiceCollection services, SandboxProxyOptions options)
    {
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddHttpForwarder();
        services.AddSingleton<SandboxRouteParser>();
        services.AddSingleton<HostLocality>();
        services.TryAddSingleton<ISandboxUpstreams, SandboxUpstreams>();
        services.AddSingleton<ISandboxStateListener, ProxyLookupInvalidation>();
        services.AddSingleton<SandboxProxyClient>();
        services.AddSingleton<SandboxProxy>();
        return services;
    }

    /// <summary>
    /// Sends every request that arrived on the proxy's port to the proxy and nowhere else; requests on
    /// the API's port pass on untouched. Goes first in the pipeline, before authentication and routing.
    /// </summary>
    public static void UseSandboxProxy(this IApplicationBuilder app, ListenAddress proxyListen)
    {
        var proxy = app.ApplicationServices.GetRequiredService<SandboxProxy>();
        app.Use(next => context => context.Connection.LocalPort == proxyListen.Port ? proxy.HandleAsync(context) : next(context));
    }

    /// <summary>
    /// Binds Kestrel to <paramref name="address"/>: HTTP/1.1 and HTTP/2 over TLS when given a certificate
    /// (ALPN picks), HTTP/1.1 in clear text (Kestrel cannot offer both there, and WebSockets need 1.1).
    /// </summary>
    public static void Listen(KestrelServerOptions kestrel, ListenAddress address, X509Certificate2? certificate)
    {
        Action<ListenOptions> configure = listen =>
        {
            listen.Protocols = certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        };
        if (address.IsAnyHost || !IPAddress.TryParse(address.Host, out var ip))
        {
            if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                kestrel.ListenLocalhost(address.Port, configure);
            }
            else
            {
                kestrel.ListenAnyIP(address.Port, configure);
            }
        }
        else
        {
            kestrel.Listen(ip, address.Port, configure);
        }
    }
}
