using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;

namespace Wrenn.Agent.Tests.Network;

/// <summary>
/// The rule text a slot gets: spoofed sources dropped first, private ranges closed unless allowed, the
/// host and other sandboxes closed whatever the allow list says, and no IPv6 at all.
/// </summary>
public sealed class SandboxFirewallRulesTests
{
    private static readonly SlotAddresses Slot = SlotAddresses.For(3, IPNetwork.Parse("10.12.0.0/16"));

    [Fact]
    public void A_packet_whose_source_is_not_the_sandbox_is_dropped_before_any_rule_can_accept_it()
    {
        var rules = OutRules(Firewall(string.Empty).AddRules(Slot, []));

        Assert.Equal("! -s 10.12.0.7/32 -j DROP", rules[0]);
    }

    [Fact]
    public void Private_ranges_are_closed_by_default()
    {
        var rules = OutRules(Firewall(string.Empty).AddRules(Slot, []));

        foreach (var range in new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10" })
        {
            Assert.True(rules.IndexOf($"-d {range} -j DROP") < rules.IndexOf("-j ACCEPT"), $"{range} is not dropped before the final accept:\n{string.Join('\n', rules)}");
        }
    }

    [Fact]
    public void The_allow_list_opens_its_ranges_but_never_the_host_other_sandboxes_or_link_local()
    {
        var rules = OutRules(Firewall("10.213.77.0/24,192.168.5.10").AddRules(Slot, []));

        var openRange = rules.IndexOf("-d 10.213.77.0/24 -j ACCEPT");
        var openHost = rules.IndexOf("-d 192.168.5.10/32 -j ACCEPT");
        Assert.True(openRange > 0 && openHost > 0, string.Join('\n', rules));
        Assert.True(openRange < rules.IndexOf("-d 10.0.0.0/8 -j DROP"));
        Assert.True(openHost < rules.IndexOf("-d 192.168.0.0/16 -j DROP"));
        foreach (var alwaysClosed in new[] { "-m addrtype --dst-type LOCAL -j DROP", "-d 10.12.0.0/16 -j DROP", "-d 169.254.0.0/16 -j DROP" })
        {
            var index = rules.IndexOf(alwaysClosed);
            Assert.True(index >= 0 && index < openRange, $"'{alwaysClosed}' must come before the allow list:\n{string.Join('\n', rules)}");
        }
    }

    [Fact]
    public void The_sandboxs_nameservers_are_open_for_dns_only()
    {
        var rules = OutRules(Firewall(string.Empty).AddRules(Slot, [IPAddress.Parse("192.168.1.1"), IPAddress.Parse("fd00::1")]));

        var udp = rules.IndexOf("-d 192.168.1.1/32 -p udp --dport 53 -j ACCEPT");
        var tcp = rules.IndexOf("-d 192.168.1.1/32 -p tcp --dport 53 -j ACCEPT");
        Assert.True(udp > 0 && tcp > 0, string.Join('\n', rules));
        Assert.True(Math.Max(udp, tcp) < rules.IndexOf("-d 192.168.0.0/16 -j DROP"));
        Assert.DoesNotContain(rules, rule => rule.Contains("fd00::1", StringComparison.Ordinal));
        Assert.DoesNotContain("-d 192.168.1.1/32 -j ACCEPT", rules);
    }

    [Fact]
    public void Ipv6_to_from_and_through_the_host_end_is_dropped_and_removed_with_the_slot()
    {
        var added = SandboxFirewall.AddIpv6Rules(Slot).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var removed = SandboxFirewall.RemoveIpv6Rules(Slot).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains(":WRENN-3-V6 - [0:0]", added);
        Assert.Contains("-A WRENN-3-V6 -j DROP", added);
        string[] hooks = ["INPUT -i wrenn-3-h -j WRENN-3-V6", "FORWARD -i wrenn-3-h -j WRENN-3-V6", "FORWARD -o wrenn-3-h -j WRENN-3-V6", "OUTPUT -o wrenn-3-h -j WRENN-3-V6"];
        foreach (var hook in hooks)
        {
            Assert.Contains("-I " + hook, added);
            Assert.Contains("-D " + hook, removed);
        }

        Assert.Contains("-X WRENN-3-V6", removed);
    }

    private static SandboxFirewall Firewall(string allow)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions { EgressAllow = NetworkOptions.ParseEgressAllow(allow) });
        return new SandboxFirewall(new HeldLinkDeleteRunner(), options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
    }

    /// <summary>The OUT chain's rules in order, without the "-A WRENN-3-OUT " in front.</summary>
    private static List<string> OutRules(string restoreInput)
    {
        var prefix = "-A " + SandboxFirewall.OutChain(Slot) + " ";
        return [.. restoreInput.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal)).Select(line => line[prefix.Length..].TrimEnd())];
    }
}
