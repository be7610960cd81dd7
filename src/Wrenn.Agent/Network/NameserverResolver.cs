using System.Net;
using Microsoft.Extensions.Options;

namespace Wrenn.Agent.Network;

/// <summary>Turns <see cref="NetworkOptions.Nameservers"/> into the addresses a sandbox's resolv.conf names.</summary>
public sealed class NameserverResolver(IOptions<NetworkOptions> options, ILogger<NameserverResolver> logger)
{
    public const string FromHost = "host";
    public const string None = "none";

    private const string HostResolvConf = "/etc/resolv.conf";

    public IReadOnlyList<IPAddress> Resolve()
    {
        var setting = options.Value.Nameservers.Trim();
        if (setting.Equals(None, StringComparison.OrdinalIgnoreCase) || setting.Length == 0)
        {
            return [];
        }

        if (!setting.Equals(FromHost, StringComparison.OrdinalIgnoreCase))
        {
            return [.. setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(IPAddress.Parse)];
        }

        if (!File.Exists(HostResolvConf))
        {
            return [];
        }

        // A loopback resolver (systemd-resolved, dnsmasq) cannot be reached from a sandbox's namespace.
        var found = File.ReadLines(HostResolvConf)
            .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 2 && fields[0] == "nameserver")
            .Select(fields => IPAddress.TryParse(fields[1], out var address) ? address : null)
            .OfType<IPAddress>()
            .Where(address => !IPAddress.IsLoopback(address))
            .ToList();
        if (found.Count == 0)
        {
            logger.NoReachableNameserver(HostResolvConf);
        }

        return found;
    }
}
