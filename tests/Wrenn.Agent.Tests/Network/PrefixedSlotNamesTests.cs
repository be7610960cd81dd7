using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.Network;

/// <summary>
/// An agent with its own name prefix names its namespaces, veths and iptables chains apart from another agent's on the
/// same machine, while the default prefix keeps the names every earlier agent used (so an upgraded agent still finds
/// and removes the chains of sandboxes it adopts).
/// </summary>
public sealed class PrefixedSlotNamesTests
{
    private static readonly IPNetwork Range = IPNetwork.Parse("10.12.0.0/16");

    [Fact]
    public void The_default_prefix_keeps_the_names_agents_always_used()
    {
        var slot = SlotAddresses.For(3, Range);

        Assert.Equal("wrenn-3", slot.NamespaceName);
        Assert.Equal("wrenn-3-h", slot.HostVeth);
        Assert.Equal("WRENN-3-OUT", SandboxFirewall.OutChain(slot));
        Assert.Equal("WRENN-3-IN", SandboxFirewall.InChain(slot));
        Assert.Equal("WRENN-3-V6", SandboxFirewall.Ipv6Chain(slot));
    }

    [Fact]
    public void A_prefixed_slot_names_its_namespace_veth_and_chains_with_the_prefix()
    {
        var slot = SlotAddresses.For(3, Range, "wrenn-a-");

        Assert.Equal("wrenn-a-3", slot.NamespaceName);
        Assert.Equal("/var/run/netns/wrenn-a-3", slot.NamespacePath);
        Assert.Equal("wrenn-a-3-h", slot.HostVeth);
        Assert.Equal("WRENN-A-3-OUT", SandboxFirewall.OutChain(slot));
        Assert.Equal("WRENN-A-3-IN", SandboxFirewall.InChain(slot));
        Assert.Equal("WRENN-A-3-V6", SandboxFirewall.Ipv6Chain(slot));
    }

    [Fact]
    public async Task A_prefixed_agent_creates_and_removes_only_names_under_its_prefix()
    {
        var commands = new HeldLinkDeleteRunner();
        commands.Release();
        var options = Options.Create(new NetworkOptions { NamePrefix = "wrenn-b-", SlotCidr = IPNetwork.Parse("10.41.0.0/24"), Nameservers = "none" });
        var firewall = new SandboxFirewall(commands, options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
        await using var manager = new SandboxNetworkManager(commands, firewall, options, NullLogger<SandboxNetworkManager>.Instance);
        var rollback = new RollbackList("test", NullLogger.Instance, new NoStepFaults());

        var slot = await manager.CreateAsync(rollback, TestContext.Current.CancellationToken);
        rollback.Commit();
        var errors = await manager.RemoveAsync(slot, TestContext.Current.CancellationToken);

        Assert.Empty(errors);
        Assert.Equal(IPAddress.Parse("10.41.0.0"), slot.HostAddress);
        Assert.Contains("ip netns add wrenn-b-0", commands.Commands);
        Assert.Contains(commands.Commands, c => c.StartsWith("ip link add wrenn-b-0-h type veth", StringComparison.Ordinal));
        Assert.Contains("ip netns delete wrenn-b-0", commands.Commands);
        Assert.Contains("ip link delete wrenn-b-0-h", commands.Commands);
        Assert.DoesNotContain(commands.Commands, c => c.Contains("wrenn-0", StringComparison.Ordinal) || c.Contains("WRENN-0", StringComparison.Ordinal));
    }
}
