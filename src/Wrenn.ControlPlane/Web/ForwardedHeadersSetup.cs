using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Wrenn.ControlPlane.Web;

/// <summary>
/// X-Forwarded-For/-Proto, believed only from the proxies WRENN_TRUSTED_PROXIES names: anyone else's
/// headers are ignored, so a client cannot pick the address the login limits count it under.
/// </summary>
public static class ForwardedHeadersSetup
{
    /// <summary>
    /// The options for <paramref name="proxies"/> (addresses or CIDR networks), or null when there are
    /// none: then the middleware must not run at all, since with empty lists it believes everyone.
    /// Throws <see cref="FormatException"/> on a bad entry.
    /// </summary>
    public static ForwardedHeadersOptions? Options(IReadOnlyList<string> proxies)
    {
        if (proxies.Count == 0)
        {
            return null;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // Only the proxy's own entry (the last one) counts; what the client wrote before it does not.
            ForwardLimit = 1,
        };
        // The framework trusts loopback by default; here only what is configured.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var entry in proxies)
        {
            if (entry.Contains('/', StringComparison.Ordinal))
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(entry, out var network)
                    ? network
                    : throw new FormatException($"WRENN_TRUSTED_PROXIES: '{entry}' is not a CIDR network (e.g. 10.0.0.0/8)"));
            }
            else
            {
                options.KnownProxies.Add(IPAddress.TryParse(entry, out var address)
                    ? address
                    : throw new FormatException($"WRENN_TRUSTED_PROXIES: '{entry}' is not an IP address"));
            }
        }

        return options;
    }
}
