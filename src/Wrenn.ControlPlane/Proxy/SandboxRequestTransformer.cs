using Yarp.ReverseProxy.Forwarder;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// Forwards the request as the client sent it, with two changes: the Host stays the one the client
/// used (servers in sandboxes build links and check hosts from it), and the traffic token, which is
/// for the proxy, does not reach the sandbox. A request carried by an agent names its sandbox for the
/// connection factory (<see cref="SandboxProxyClient.UpstreamKey"/>).
/// </summary>
public sealed class SandboxRequestTransformer : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.Remove(SandboxProxy.TrafficTokenHeader);
        proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        if (httpContext.Items[SandboxProxy.UpstreamItem] is SandboxUpstream { ViaAgent: not null } upstream)
        {
            proxyRequest.Options.Set(SandboxProxyClient.UpstreamKey, upstream);
        }
    }
}
