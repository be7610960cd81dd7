using System.Net;
using System.Net.NetworkInformation;

namespace Wrenn.ControlPlane.Proxy;

/// <summary>
/// Tells whether an agent runs on this machine, from the address it registered with: loopback, or one
/// of this machine's own addresses. Only then is the sandbox network the agent made this machine's too.
/// </summary>
public sealed class HostLocality(TimeProvider clock)
{
    /// <summary>Interfaces come and go rarely; the list is read again after this long.</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private HashSet<IPAddress> _own = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public bool IsLocal(string agentAddress)
    {
        if (!Uri.TryCreate(agentAddress, UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (uri.IsLoopback)
        {
            return true;
        }

        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            return string.Equals(uri.Host, Dns.GetHostName(), StringComparison.OrdinalIgnoreCase);
        }

        return address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || OwnAddresses().Contains(address);
    }

    private HashSet<IPAddress> OwnAddresses()
    {
        lock (_gate)
        {
            if (clock.GetUtcNow() - _readAt > Refresh)
            {
                _own = [.. NetworkInterface.GetAllNetworkInterfaces()
                    .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                    .Select(a => a.Address)];
                _readAt = clock.GetUtcNow();
            }

            return _own;
        }
    }
}
