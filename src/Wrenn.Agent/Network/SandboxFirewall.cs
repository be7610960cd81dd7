using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Network;

/// <summary>
/// Per-sandbox packet filtering and NAT with iptables, loaded in one <c>iptables-restore --noflush</c>
/// per change (one process, atomic). Each slot gets two chains: <c>WRENN-N-OUT</c> for what the sandbox
/// sends — replies pass; anything new to the host itself (every local address: agent, control plane,
/// SSH), to the slot range (other sandboxes), to link-local (cloud metadata) or multicast is dropped;
/// the rest may leave, masqueraded behind the host — and <c>WRENN-N-IN</c> for what is forwarded to it:
/// replies only. The host reaching envd is host output and is not filtered.
/// </summary>
public sealed class SandboxFirewall(ICommandRunner commands, IOptions<NetworkOptions> options, ILogger<SandboxFirewall> logger)
{
    public const string ChainPrefix = "WRENN-";
    private const string IptablesRestore = "iptables-restore";
    private const string ForwardingSetting = "/proc/sys/net/ipv4/ip_forward";

    private readonly Lock _forwardingGate = new();
    private bool _forwardingChecked;

    public static string OutChain(SlotAddresses slot) => ChainPrefix + slot.Index.ToString(CultureInfo.InvariantCulture) + "-OUT";

    public static string InChain(SlotAddresses slot) => ChainPrefix + slot.Index.ToString(CultureInfo.InvariantCulture) + "-IN";

    /// <summary>The iptables-restore input that installs the slot's chains, hooks and NAT rule.</summary>
    public string AddRules(SlotAddresses slot)
    {
        var output = OutChain(slot);
        var input = InChain(slot);
        var range = options.Value.SlotCidr.ToString();
        var text = new StringBuilder();
        text.AppendLine("*filter");
        text.AppendLine($":{output} - [0:0]");
        text.AppendLine($":{input} - [0:0]");
        text.AppendLine($"-A {output} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
        text.AppendLine($"-A {output} -m addrtype --dst-type LOCAL -j DROP");
        text.AppendLine($"-A {output} -d {range} -j DROP");
        text.AppendLine($"-A {output} -d 169.254.0.0/16 -j DROP");
        text.AppendLine($"-A {output} -d 224.0.0.0/4 -j DROP");
        text.AppendLine($"-A {output} -m addrtype --dst-type BROADCAST -j DROP");
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

    /// <summary>Installs the slot's rules (and turns on IPv4 forwarding, which NAT out needs).</summary>
    public async Task AddAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        EnsureForwarding();
        await commands.RunCheckedAsync(IptablesRestore, ["-w", "--noflush"], cancellationToken, AddRules(slot)).ConfigureAwait(false);
    }

    /// <summary>Removes the slot's rules; rules that are already gone are not an error, so cleanup can run twice.</summary>
    public async Task RemoveAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(slot, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await commands.RunCheckedAsync(IptablesRestore, ["-w", "--noflush"], cancellationToken, RemoveRules(slot)).ConfigureAwait(false);
    }

    private async Task<bool> ExistsAsync(SlotAddresses slot, CancellationToken cancellationToken)
    {
        var result = await commands.RunAsync("iptables", ["-w", "-n", "-L", OutChain(slot)], cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
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
                logger.LogWarning("Turned on IPv4 forwarding ({Setting}) so that sandboxes can reach the network through NAT", ForwardingSetting);
            }

            _forwardingChecked = true;
        }
    }
}
