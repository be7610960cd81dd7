using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Sandboxes;
using Yarp.ReverseProxy.Forwarder;
using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// Handles every request that arrives on the proxy listener: finds the sandbox port it is for, checks
/// the path and the traffic token, counts the request as the sandbox's activity, and streams it to
/// the sandbox and the answer back through YARP's forwarder (no buffering either way; WebSockets and
/// HTTP/2 included).
/// </summary>
public sealed class SandboxProxy(
    IHttpForwarder forwarder,
    SandboxRouteParser routes,
    ISandboxUpstreams upstreams,
    ISandboxActivity activity,
    SandboxProxyClient client,
    IOptions<SandboxProxyOptions> options,
    ILogger<SandboxProxy> logger)
{
    /// <summary>E2B's header for a sandbox's traffic token (its <c>trafficAccessToken</c>).</summary>
    public const string TrafficTokenHeader = "e2b-traffic-access-token";

    /// <summary>Where <see cref="HttpContext.Items"/> holds the request's <see cref="SandboxUpstream"/> for the transformer.</summary>
    public static readonly object UpstreamItem = new();

    private readonly HttpTransformer _transformer = new SandboxRequestTransformer();

    private readonly ForwarderRequestConfig _http1 = new()
    {
        ActivityTimeout = options.Value.IdleTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    /// <summary>gRPC needs HTTP/2 end to end; sandbox servers speak it in clear text (h2c).</summary>
    private readonly ForwarderRequestConfig _grpc = new()
    {
        ActivityTimeout = options.Value.IdleTimeout,
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public async Task HandleAsync(HttpContext context)
    {
        var parsed = routes.Parse(context.Request.Host, context.Request.Headers);
        if (parsed.Route is not { } route)
        {
            await ProxyErrors.WriteAsync(context, StatusCodes.Status400BadRequest, parsed.Error!, null).ConfigureAwait(false);
            return;
        }

        // The proxy's listener is not routed through the API's SandboxLogScopeMiddleware: the sandbox is in the host name.
        using var scope = logger.BeginScope(new SandboxLogScope(route.SandboxId));
        if (EnvdInternalPaths.IsInternal(route.Port, context.Request.Path))
        {
            await ProxyErrors.WriteAsync(context, StatusCodes.Status403Forbidden, $"{context.Request.Path} is envd's own endpoint for the host agent; it is not reachable from outside", route).ConfigureAwait(false);
            return;
        }

        var lookup = await upstreams.FindAsync(route.SandboxId, context.RequestAborted).ConfigureAwait(false);
        if (lookup.Upstream is not { } upstream)
        {
            await ProxyErrors.WriteAsync(context, StatusCodes.Status502BadGateway, lookup.Error!, route).ConfigureAwait(false);
            return;
        }

        if (upstream.TrafficAccessToken is { } expected && !TokenMatches(context.Request.Headers[TrafficTokenHeader].ToString(), expected))
        {
            var missing = context.Request.Headers[TrafficTokenHeader].Count == 0;
            await ProxyErrors.WriteAsync(context, StatusCodes.Status403Forbidden, missing ? $"this sandbox needs its traffic access token in the {TrafficTokenHeader} header" : $"the {TrafficTokenHeader} header does not match this sandbox's traffic access token", route).ConfigureAwait(false);
            return;
        }

        await activity.RecordAsync(route.SandboxId, context.RequestAborted).ConfigureAwait(false);

        // Uploads of any size stream through; the sandbox decides what it accepts.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var port = route.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var config = IsGrpc(context.Request) ? _grpc : _http1;
        ForwarderError error;
        if (upstream.ViaAgent is null && upstream.Address is { } address)
        {
            var destination = "http://" + (address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString()) + ":" + port;
            error = await forwarder.SendAsync(context, destination, client.Direct, config, _transformer).ConfigureAwait(false);
        }
        else
        {
            // The name only keys the connection pool (one per sandbox port); the agent's tunnel is the connection.
            context.Items[UpstreamItem] = upstream;
            error = await forwarder.SendAsync(context, $"http://{route.SandboxId}.agent-tunnel:{port}", client.ThroughAgent, config, _transformer).ConfigureAwait(false);
        }

        if (error == ForwarderError.None)
        {
            return;
        }

        // The sandbox may have gone (or been paused) since it was looked up: ask again next time.
        upstreams.Forget(route.SandboxId);
        logger.ForwardFailed(route.SandboxId, route.Port, error);
        // Errors on the client's side (it went away, its body broke off) are not the sandbox's to answer for.
        if (!context.Response.HasStarted && error is not (ForwarderError.RequestCanceled or ForwarderError.RequestBodyClient or ForwarderError.UpgradeRequestCanceled))
        {
            await ProxyErrors.WriteAsync(context, StatusCodes.Status502BadGateway, $"the sandbox is running but nothing answers on port {route.Port}", route).ConfigureAwait(false);
        }
    }

    private static bool IsGrpc(HttpRequest request) =>
        request.Protocol == "HTTP/2" && request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    private static bool TokenMatches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
