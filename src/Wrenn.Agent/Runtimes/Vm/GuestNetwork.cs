using System.Net;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// Every VM guest has the same address behind a TAP in its sandbox's namespace, so a memory snapshot
/// (whose kernel remembers its address and its open connections) can run in any slot and a template
/// can become many sandboxes. The namespace translates: traffic from the host to the slot's sandbox
/// address is sent on to the guest, and the guest's traffic leaves with the slot's address, so the
/// host side (routes, firewall chains, NAT) is the same as for a container.
/// </summary>
public static class GuestNetwork
{
    /// <summary>The guest's eth0 address.</summary>
    public static IPAddress GuestAddress { get; } = IPAddress.Parse("169.254.0.21");

    /// <summary>The TAP's address in the namespace: the guest's gateway.</summary>
    public static IPAddress TapAddress { get; } = IPAddress.Parse("169.254.0.22");

    public const int PrefixLength = 30;

    /// <summary>One MAC for every guest too: the NIC's state is part of a memory snapshot.</summary>
    public const string MacAddress = "52:54:00:a9:00:15";

    public const string TapName = "tap0";

    /// <summary>The namespace's link to the host (the veth end that holds the slot's sandbox address).</summary>
    public const string UplinkName = "eth0";

    /// <summary>
    /// <c>ip -batch</c> lines that make the TAP and give it the gateway address; with an
    /// <paramref name="owner"/>, that user may attach to it without CAP_NET_ADMIN (an unprivileged VMM).
    /// </summary>
    public static string TapCommands(VmUser? owner = null) => TapCreateCommand(owner) + TapAddressCommands();

    /// <summary>The TAP, without an address (ip -batch input), that <paramref name="owner"/> may attach to without privileges.</summary>
    public static string TapCreateCommand(VmUser? owner = null) =>
        (owner is { } user ? $"tuntap add dev {TapName} mode tap user {user.Uid} group {user.Gid}" : $"tuntap add dev {TapName} mode tap") + "\n";

    /// <summary>The TAP's gateway address, then the TAP up (ip -batch input).</summary>
    public static string TapAddressCommands() => string.Join('\n',
        $"addr add {TapAddress}/{PrefixLength} dev {TapName}",
        $"link set {TapName} up") + "\n";

    /// <summary>The namespace's own NAT table (iptables-restore input): slot address in, guest address out.</summary>
    public static string TranslationRules(IPAddress slotAddress) => string.Join('\n',
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        $"-A PREROUTING -i {UplinkName} -d {slotAddress}/32 -j DNAT --to-destination {GuestAddress}",
        $"-A POSTROUTING -o {UplinkName} -s {GuestAddress}/32 -j SNAT --to-source {slotAddress}",
        "COMMIT") + "\n";
}
