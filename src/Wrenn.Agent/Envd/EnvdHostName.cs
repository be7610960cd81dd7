using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Wrenn.Agent.Envd;

/// <summary>
/// The host name the agent's envd client uses for one sandbox's network slot: its IPv4 address with dashes, then a
/// key made when the sandbox was given that slot (<c>10-12-0-1.k3f9a2c41d07.envd</c>), connected to by
/// <see cref="ConnectAsync"/> without DNS.
/// <para>
/// Why not the address itself: an HTTP connection pool is keyed by host and port, and slot addresses are reused.
/// A VM killed by a pause or a destroy sends no FIN, so the pool keeps its connections as if alive, and the next VM
/// given that address got them: a clone restored from a template even holds, in the memory it inherited, the
/// other end of connections the agent opened to the template's source. A request sent on such a connection went
/// to the wrong guest's socket or into nothing, and an /init without a deadline waited for good (a create from a
/// template hung). With the key in the name, connections are never shared between two sandboxes or two starts of one.
/// </para>
/// </summary>
public static class EnvdHostName
{
    private const string Suffix = ".envd";

    /// <summary>Bytes of randomness in a key: it only has to differ from the keys of the other starts on this host.</summary>
    private const int KeyBytes = 6;

    /// <summary>A new key for one start of a sandbox on a slot.</summary>
    public static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(KeyBytes));

    /// <summary>The envd URI for <paramref name="address"/> under <paramref name="key"/>.</summary>
    public static Uri For(IPAddress address, string key, int port)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"slot addresses are IPv4, not {address}", nameof(address));
        }

        return new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{address.ToString().Replace('.', '-')}.{key}{Suffix}:{port}"));
    }

    /// <summary>
    /// The address <paramref name="host"/> stands for: an IP address as is (tests, tools), or the address in a name
    /// <see cref="For"/> made; null for anything else (never looked up in DNS).
    /// </summary>
    public static IPAddress? AddressOf(string host)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        if (!host.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return null;
        }

        // <address with dashes>.<key>.envd: exactly two labels before the suffix, both there.
        var labels = host[..^Suffix.Length].Split('.');
        return labels is [{ Length: > 0 } dashed, { Length: > 0 }] && dashed.Count(c => c == '-') == 3
            && IPAddress.TryParse(dashed.Replace('-', '.'), out var address)
            && address.AddressFamily == AddressFamily.InterNetwork
            ? address
            : null;
    }

    /// <summary>The envd client's <see cref="SocketsHttpHandler.ConnectCallback"/>: a TCP connection to the address in the name.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var address = AddressOf(host) ?? throw new HttpRequestException($"{host} is not an envd address of this agent");

        // What SocketsHttpHandler sets on the sockets it opens itself: small requests must not wait for Nagle.
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
