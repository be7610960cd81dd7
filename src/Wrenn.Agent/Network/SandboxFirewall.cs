using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Network;

/// <summary>
/// Per-sandbox packet filtering and NAT with iptables, loaded in one <c>iptables-restore --noflush</c>
/// per change (one process, atomic). Each slot gets two chains, named after its namespace upper-cased (so an
/// agent with another <see cref="NetworkOptions.NamePrefix"/> never touches these): <c>WRENN-N-OUT</c> for what the sandbox
/// sends — a source other than the sandbox's own address is dropped first (a VM guest owns its kernel
/// and can send any); replies pass; anything new to the host itself (every local address: agent,
/// control plane, SSH), to the slot range (other sandboxes), to link-local (cloud metadata) or
/// multicast is dropped; DNS to the sandbox's nameservers and the operator's allow list pass; private
/// ranges are dropped; the rest may leave, masqueraded behind the host — and <c>WRENN-N-IN</c> for
/// what is forwarded to it: replies only. The host reaching envd is host output and is not filtered.
/// IPv6 is off in the namespace and on the host end (<see cref="SandboxNetworkManager"/>); a third
/// chain, <c>WRENN-N-V6</c> in ip6tables, drops every IPv6 packet to, from or through the host end in
/// case it is ever turned back on.
/// </summary>
public sealed class SandboxFirewall(ICommandRunner commands, IOptions<NetworkOptions> options, NameserverResolver nameservers, ILogger<SandboxFirewall> logger)
{
    private const string IptablesRestore = "iptables-restore";
    private const string Ip6tablesRestore = "ip6tables-restore";
    private const string ForwardingSetting = "/proc/sys/net/ipv4/ip_forward";

    /// <summary>Where the kernel's IPv6 settings live; missing when the kernel has no IPv6 (nothing to filter then).</summary>
    public const string Ipv6Settings = "/proc/sys/net/ipv6";

    /// <summary>
    /// Ranges a sandbox may not reach unless <see cref="NetworkOptions.EgressAllow"/> names them: RFC 1918
    /// and the shared address space (carrier-grade NAT, also used by some clouds and VPNs), where an
    /// operator's internal services live.
    /// </summary>
    public static IReadOnlyList<IPNetwork> PrivateRanges { get; } =
    [
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"),
    ];

    private readonly Lock _forwardingGate = new();
    private bool _forwardingChecked;

    public static string OutChain(SlotAddresses slot) => Chain(slot) + "-OUT";

    public static string InChain(SlotAddresses slot) => Chain(slot) + "-IN";

    public static string Ipv6Chain(SlotAddresses slot) => Chain(slot) + "-V6";

    /// <summary>The slot's namespace name upper-cased: WRENN-3 for wrenn-3 (iptables' own chains are upper-case too).</summary>
    private static string Chain(SlotAddresses slot) => slot.NamespaceName.ToUpperInvariant();

    /// <summary>
    /// The iptables-restore input that installs the slot's chains, hooks and NAT rule. The sandbox may
    /// reach <paramref name="sandboxNameservers"/> (its resolv.conf's) on port 53 even on a private range.
    /// </summary>
    public string AddRules(SlotAddresses slot, IReadOnlyList<IPAddress> sandboxNameservers)
    {
        var output = OutChain(slot);
        var input = InChain(slot);
        var range = options.Value.SlotCidr.ToString();
        var text = new StringBuilder();
        text.AppendLine("*filter");
        text.AppendLine($":{output} - [0:0]");
        text.AppendLine($":{input} - [0:0]");
        // First, before a conntrack entry could let it pass: nothing but the sandbox's own address leaves.
        text.AppendLine($"-A {output} ! -s {slot.SandboxAddress}/32 -j DROP");
        text.AppendLine($"-A {output} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
        text.AppendLine($"-A {output} -m addrtype --dst-type LOCAL -j DROP");
        text.AppendLine($"-A {output} -d {range} -j DROP");
        text.AppendLine($"-A {output} -d 169.254.0.0/16 -j DROP");
        text.AppendLine($"-A {output} -d 224.0.0.0/4 -j DROP");
        text.AppendLine($"-A {output} -m addrtype --dst-type BROADCAST -j DROP");
        foreach (var nameserver in sandboxNameservers.Where(n => n.AddressFamily == AddressFamily.InterNetwork))
        {
            text.AppendLine($"-A {output} -d {nameserver}/32 -p udp --dport 53 -j ACCEPT");
            text.AppendLine($"-A {output} -d {nameserver}/32 -p tcp --dport 53 -j ACCEPT");
        }

        foreach (var allowed in options.Value.EgressAllow)
        {
            text.AppendLine($"-A {output} -d {allowed} -j ACCEPT");
        }

        foreach (var denied in PrivateRanges)
        {
            text.AppendLine($"-A {output} -d {denied} -j DROP");
        }

        text.AppendLine($"-A {output} -j ACCEPT");
        text.AppendLine($"-A {input} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
        text.AppendLine($"-A {input} -j DROP");
        foreach (var hook in Hooks(slot))
        {
            text.AppendLine("-I " + hook);
        }

        text.AppendLine("COMMIT");
        text.AppendLine("*nat");
        text.AppendLine("-A " + NatRule(slot));
        text.AppendLine("COMMIT");
        return text.ToString();
    }

    /// <summary>The iptables-restore input that removes everything <see cref="AddRules"/> installed.</summary>
    public static string RemoveRules(SlotAddresses slot)
    {
        var text = new StringBuilder();
        text.AppendLine("*filter");
        foreach (var hook in Hooks(slot))
        {
            text.AppendLine("-D " + hook);
        }

        text.AppendLine($"-F {OutChain(slot)}");
        text.AppendLine($"-F {InChain(slot)}");
        text.AppendLine($"-X {OutChain(slot)}");
        text.AppendLine($"-X {InChain(slot)}");
        text.AppendLine("COMMIT");
        text.AppendLine("*nat");
        text.AppendLine("-D " + NatRule(slot));
        text.AppendLine("COMMIT");
        return text.ToString();
    }

    /// <summary>The ip6tables-restore input that drops all IPv6 to, from and through the slot's host end.</summary>
    public static string AddIpv6Rules(SlotAddresses slot)
    {
        var chain = Ipv6Chain(slot);
        var text = new StringBuilder();
        text.AppendLine("*filter");
        text.AppendLine($":{chain} - [0:0]");
        text.AppendLine($"-A {chain} -j DROP");
        foreach (var hook in Ipv6Hooks(slot))
        {
            text.AppendLine("-I " + hook);
        }

        text.AppendLine("COMMIT");
        return text.ToString();
    }

    /// <summary>The ip6tables-restore input that removes everything <see cref="AddIpv6Rules"/> installed.</summary>
    public static string RemoveIpv6Rules(SlotAddresses slot)
    {
        var text = new StringBuilder();
        text.AppendLine("*filter");
        foreach (var hook in Ipv6Hooks(slot))
        {
            text.AppendLine("-D " + hook);
        }

        text.AppendLine($"-F {Ipv6Chain(slot)}");
        text.AppendLine($"-X {Ipv6Chain(slot)}");
        text.AppendLine("COMMIT");
        return text.ToString();
    }

    /// <summary>The nameservers sandboxes are given now (and their firewall lets DNS through to).</summary>
    public IReadOnlyList<IPAddress> Nameservers() => nameservers.Resolve();

    /// <summary>Installs the slot's rules (and turns on IPv4 forwarding, which NAT out needs).</summary>
    public Task AddAsync(SlotAddresses slot, CancellationToken cancellationToken) => AddAsync(slot, nameservers.Resolve(), cancellationToken);

    /// <summary>Installs the slot's rules with DNS open to <paramref name="sandboxNameservers"/>.</summary>
    public async Task AddAsync(SlotAddresses slot, IReadOnlyList<IPAddress> sandboxNameservers, CancellationToken cancellationToken)
    {
        EnsureForwarding();
        await commands.RunCheckedAsync(IptablesRestore, ["-w", "--noflush"], cancellationToken, AddRules(slot, sandboxNameservers)).ConfigureAwait(false);
        if (Directory.Exists(Ipv6Settings))
        {
            await commands.RunCheckedAsync(Ip6tablesRestore, ["-w", "--noflush"], cancellationToken, AddIpv6Rules(slot)).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the slot's rules; rules that are already gone are not an error, so cleanup can run twice.</summary>
    public async Task RemoveAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        // Each family on its own: a crash between the two adds, or a slot made before IPv6 had rules, leaves one without the other.
        if (await ExistsAsync("iptables", OutChain(slot), cancellationToken).ConfigureAwait(false))
        {
            await commands.RunCheckedAsync(IptablesRestore, ["-w", "--noflush"], cancellationToken, RemoveRules(slot)).ConfigureAwait(false);
        }

        if (Directory.Exists(Ipv6Settings) && await ExistsAsync("ip6tables", Ipv6Chain(slot), cancellationToken).ConfigureAwait(false))
        {
            await commands.RunCheckedAsync(Ip6tablesRestore, ["-w", "--noflush"], cancellationToken, RemoveIpv6Rules(slot)).ConfigureAwait(false);
        }
    }

    private async Task<bool> ExistsAsync(string iptables, string chain, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync(iptables, ["-w", "-n", "-L", chain], cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    private static IEnumerable<string> Ipv6Hooks(SlotAddresses slot)
    {
        yield return $"INPUT -i {slot.HostVeth} -j {Ipv6Chain(slot)}";
        yield return $"FORWARD -i {slot.HostVeth} -j {Ipv6Chain(slot)}";
        yield return $"FORWARD -o {slot.HostVeth} -j {Ipv6Chain(slot)}";
        yield return $"OUTPUT -o {slot.HostVeth} -j {Ipv6Chain(slot)}";
    }

    private static IEnumerable<string> Hooks(SlotAddresses slot)
    {
        yield return $"INPUT -i {slot.HostVeth} -j {OutChain(slot)}";
        yield return $"FORWARD -i {slot.HostVeth} -j {OutChain(slot)}";
        yield return $"FORWARD -o {slot.HostVeth} -j {InChain(slot)}";
    }

    private static string NatRule(SlotAddresses slot) =>
        $"POSTROUTING -s {slot.SandboxAddress}/32 ! -o {slot.HostVeth} -j MASQUERADE";

    private void EnsureForwarding()
    {
        lock (_forwardingGate)
        {
            if (_forwardingChecked)
            {
                return;
            }

            if (File.ReadAllText(ForwardingSetting).Trim() != "1")
            {
                // Like Docker: sandboxes reach the outside only through the host's routing.
                File.WriteAllText(ForwardingSetting, "1");
                logger.ForwardingTurnedOn(ForwardingSetting);
            }

            _forwardingChecked = true;
        }
    }
}
