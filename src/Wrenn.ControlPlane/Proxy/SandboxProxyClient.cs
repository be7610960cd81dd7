using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// The HTTP clients the proxy sends through: one dialling sandbox addresses, one whose connections are
/// agents' OpenPort calls. Both pool connections per sandbox port and rewrite nothing (no redirects
/// followed, no cookies, no decompression, no system proxy).
/// </summary>
public sealed class SandboxProxyClient : IDisposable
{
    /// <summary>Which sandbox (and host) a tunnelled request is for: its connection is opened from it.</summary>
    public static readonly HttpRequestOptionsKey<SandboxUpstream> UpstreamKey = new("wrenn.proxy.upstream");

    public SandboxProxyClient(IOptions<SandboxProxyOptions> options, AgentClientPool agents)
    {
        Direct = new HttpMessageInvoker(NewHandler(options.Value));
        var tunnel = NewHandler(options.Value);
        tunnel.ConnectCallback = async (context, cancellationToken) =>
        {
            if (!context.InitialRequestMessage.Options.TryGetValue(UpstreamKey, out var upstream) || upstream.ViaAgent is not { } host)
            {
                throw new InvalidOperationException("a tunnelled request must name its sandbox's host");
            }

            // The call outlives this connect: it is the connection, ended when the stream is disposed.
            var call = agents.For(host).OpenPort(cancellationToken: CancellationToken.None);
            return await AgentTunnelStream.OpenAsync(call, upstream.SandboxId, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
        };
        ThroughAgent = new HttpMessageInvoker(tunnel);
    }

    /// <summary>Dials the sandbox's address.</summary>
    public HttpMessageInvoker Direct { get; }

    /// <summary>Connects through the sandbox's agent; the request must carry <see cref="UpstreamKey"/>.</summary>
    public HttpMessageInvoker ThroughAgent { get; }

    public void Dispose()
    {
        Direct.Dispose();
        ThroughAgent.Dispose();
    }

    private static SocketsHttpHandler NewHandler(SandboxProxyOptions options) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = options.ConnectTimeout,
        // A sandbox that is killed leaves pooled connections behind; do not keep them long.
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ActivityHeadersPropagator = null,
    };
}
