using System.Net;

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
    /// What a sandbox's /etc/resolv.conf names: "host" (the host's own non-loopback nameservers),
    /// "none" (no resolver), or a comma-separated list of addresses.
    /// </summary>
    public string Nameservers { get; set; } = "host";
}
