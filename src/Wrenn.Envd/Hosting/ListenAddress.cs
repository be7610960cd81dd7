using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// Binds envd's listening socket from <see cref="EnvdOptions"/>: the passed socket when there is one,
/// else the http://HOST:PORT of <see cref="EnvdOptions.ListenUrl"/>, with HOST an IP address,
/// <c>localhost</c> (both loopbacks) or <c>*</c>/<c>+</c> (every address), as Kestrel's URLs are read.
/// </summary>
public static class ListenAddress
{
    public static void Apply(KestrelServerOptions kestrel, EnvdOptions options)
    {
        if (options.ListenDescriptor is { } descriptor)
        {
            kestrel.ListenHandle((ulong)descriptor);
            return;
        }

        var url = options.ListenUrl;
        const string Scheme = "http://";
        var hostPort = url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? url[Scheme.Length..] : url;
        hostPort = hostPort.TrimEnd('/');
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"listen address '{url}' is not http://HOST:PORT");
        }

        var host = hostPort[..colon];
        if (host is "*" or "+")
        {
            kestrel.ListenAnyIP(port);
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(port);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            kestrel.Listen(address, port);
        }
        else
        {
            throw new ArgumentException($"listen address '{url}': '{host}' is not an IP address, localhost or *");
        }
    }
}
