using System.Globalization;
using System.Net;

namespace Wrenn.Common.Configuration;

/// <summary>
/// A listen address in the forms operators write: ":8000" (every interface), "127.0.0.1:8000",
/// "[::1]:8000" or "localhost:8000". "0.0.0.0:8000", "[::]:8000" and "*:8000" are how people also
/// write "every interface": they parse to the same thing as ":8000", so nothing ever dials 0.0.0.0.
/// </summary>
public sealed record ListenAddress(string Host, int Port)
{
    /// <summary>True when <see cref="Host"/> is empty: listen on every interface.</summary>
    public bool IsAnyHost => Host.Length == 0;

    public static ListenAddress Parse(string value)
    {
        if (!TryParse(value, out var address))
        {
            throw new FormatException($"'{value}' is not a listen address; use ':PORT', 'HOST:PORT' or '[IPV6]:PORT'");
        }

        return address;
    }

    public static bool TryParse(string? value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ListenAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var text = value.Trim();
        var colon = text.LastIndexOf(':');
        if (colon < 0
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 0 or > 65535)
        {
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            if (!IPAddress.TryParse(host, out _))
            {
                return false;
            }
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }

        // The unspecified addresses mean "listen everywhere"; as a destination they mean nothing useful.
        if (host is "*" || (IPAddress.TryParse(host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))))
        {
            host = string.Empty;
        }

        address = new ListenAddress(host, port);
        return true;
    }

    /// <summary>The URL Kestrel binds to: "http://*:8000" for every interface.</summary>
    public string ToKestrelUrl(string scheme = "http") =>
        IsAnyHost ? $"{scheme}://*:{Port}"
        : Host.Contains(':', StringComparison.Ordinal) ? $"{scheme}://[{Host}]:{Port}"
        : $"{scheme}://{Host}:{Port}";

    /// <summary>The URL a local client uses to reach this address: loopback when listening on every interface.</summary>
    public string ToLocalUrl(string scheme = "http") =>
        IsAnyHost ? $"{scheme}://127.0.0.1:{Port}"
        : Host.Contains(':', StringComparison.Ordinal) ? $"{scheme}://[{Host}]:{Port}"
        : $"{scheme}://{Host}:{Port}";

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
