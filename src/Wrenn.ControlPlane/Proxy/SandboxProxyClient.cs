using Microsoft.Extensions.Options;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// The one HTTP client the proxy sends through: pooled connections per sandbox address, nothing
/// rewritten (no redirects followed, no cookies, no decompression, no system proxy).
/// </summary>
public sealed class SandboxProxyClient : IDisposable
{
    public SandboxProxyClient(IOptions<SandboxProxyOptions> options)
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.Value.ConnectTimeout,
            // A sandbox that is killed leaves pooled connections behind; do not keep them long.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ActivityHeadersPropagator = null,
        });
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
