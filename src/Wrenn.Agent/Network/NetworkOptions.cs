using System.Net;
using System.Net.Sockets;
using Wrenn.Common.Configuration;

namespace Wrenn.Agent.Network;

/// <summary>How sandbox networks are laid out on this host.</summary>
public sealed class NetworkOptions
{
    /// <summary>
    /// The range carved into one /31 per sandbox slot: the even address is the host end of the veth,
    /// the odd one the sandbox end. Must not overlap any network the host already uses.
    /// </summary>
    public IPNetwork SlotCidr { get; set; } = IPNetwork.Parse("10.12.0.0/16");

    /// <summary>
    /// How everything this agent names machine-wide begins: network namespaces and veths (<c>wrenn-3</c>,
    /// <c>wrenn-3-h</c>), their iptables chains (<c>WRENN-3-OUT</c>) and device-mapper devices. Agents sharing a
    /// machine each take their own (WRENN_NAME_PREFIX), so none claims, filters or cleans up another's.
    /// </summary>
    public string NamePrefix { get; set; } = SlotAddresses.DefaultNamePrefix;

    /// <summary>
    /// What a sandbox's /etc/resolv.conf names: "host" (the host's own non-loopback nameservers),
    /// "none" (no resolver), or a comma-separated list of addresses.
    /// </summary>
    public string Nameservers { get; set; } = "host";

    /// <summary>
    /// Private ranges (of <see cref="SandboxFirewall.PrivateRanges"/>) sandboxes may reach after all.
    /// The host, other sandboxes and link-local stay closed whatever this holds.
    /// </summary>
    public IReadOnlyList<IPNetwork> EgressAllow { get; set; } = [];

    /// <summary>
    /// How many slots <see cref="SandboxNetworkManager"/> keeps made ahead (<see cref="WrennEnvironment.PreparedSlots"/>;
    /// the agent's default is 2). 0 here, so a manager built by hand makes every slot on demand.
    /// </summary>
    public int PreparedSlots { get; set; }

    /// <summary>
    /// Where a marker file per prepared slot (named by its index) is kept while the slot waits, so the next
    /// agent start removes the slots a crashed agent had made ahead. Required when <see cref="PreparedSlots"/> is above 0.
    /// </summary>
    public string? PreparedDirectory { get; set; }

    /// <summary>
    /// Reads <see cref="WrennEnvironment.SandboxEgressAllow"/>: comma-separated IPv4 CIDRs, a bare
    /// address meaning /32. Anything else throws, so the agent stops at start instead of guessing.
    /// </summary>
    public static IReadOnlyList<IPNetwork> ParseEgressAllow(string value)
    {
        var allowed = new List<IPNetwork>();
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cidr = entry.Contains('/', StringComparison.Ordinal) ? entry : entry + "/32";
            // The parser masks "10.1.2.3/8" to 10.0.0.0/8; whether that or 10.1.2.3/32 was meant is a guess
            // that could open the wrong range, so only the network's own address is accepted.
            if (!IPNetwork.TryParse(cidr, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork || !network.BaseAddress.Equals(IPAddress.Parse(cidr[..cidr.IndexOf('/', StringComparison.Ordinal)])))
            {
                throw new InvalidOperationException(
                    $"{WrennEnvironment.SandboxEgressAllow} must be comma-separated IPv4 ranges like 10.20.0.0/16 (with no bits set after the prefix) or addresses; '{entry}' is not one");
            }

            allowed.Add(network);
        }

        return allowed;
    }
}
