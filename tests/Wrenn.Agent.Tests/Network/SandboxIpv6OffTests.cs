using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests.Network;

/// <summary>
/// IPv6 is turned off where an interface would otherwise get a link-local address the moment it comes
/// up: in the namespace before the veth arrives, and on the host end before it is set up.
/// </summary>
public sealed class SandboxIpv6OffTests
{
    [Fact]
    public async Task Ipv6_is_off_in_the_namespace_before_the_veth_and_on_the_host_end_before_it_comes_up()
    {
        Assert.SkipUnless(Directory.Exists("/proc/sys/net/ipv6"), "this kernel has no IPv6");
        var ct = TestContext.Current.CancellationToken;
        var runner = new HeldLinkDeleteRunner();
        var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None });
        var firewall = new SandboxFirewall(runner, options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
        var network = new SandboxNetworkManager(runner, firewall, options, NullLogger<SandboxNetworkManager>.Instance);

        var slot = await network.CreateAsync(new RollbackList("create", NullLogger.Instance, new NoStepFaults()), ct);

        var commands = runner.Commands;
        var namespaceOff = commands.IndexOf($"ip netns exec {slot.NamespaceName} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=0");
        var vethAdded = commands.FindIndex(c => c.StartsWith("ip link add " + slot.HostVeth, StringComparison.Ordinal));
        var hostEndOff = commands.IndexOf($"sysctl -q -w net.ipv6.conf.{slot.HostVeth}.disable_ipv6=1 net.ipv4.conf.{slot.HostVeth}.rp_filter=1");
        var hostEndUp = commands.IndexOf("ip -batch -");
        Assert.True(namespaceOff >= 0 && namespaceOff < vethAdded, string.Join('\n', commands));
        Assert.True(vethAdded < hostEndOff && hostEndOff < hostEndUp, string.Join('\n', commands));
        Assert.Contains("ip6tables-restore -w --noflush", commands);
    }
}
