using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Tests;

/// <summary>
/// IPv6 is turned off where an interface would otherwise get a link-local address the moment it comes
/// up: in the namespace before the veth arrives (so eth0 inherits "off" from default), and on the host
/// end before it is set up. The namespace's settings are written in-process (no sysctl program), so the
/// test reads what the kernel has rather than which commands ran.
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
        try
        {
            // eth0 came in with IPv6 off (inherited from "default"): it never had a link-local address.
            foreach (var (setting, expected) in new[] { ("all", "1"), ("default", "1"), ("eth0", "1"), ("lo", "0") })
            {
                Assert.Equal(expected, Run("ip", "netns", "exec", slot.NamespaceName, "cat", $"/proc/sys/net/ipv6/conf/{setting}/disable_ipv6").Trim());
            }

            Assert.DoesNotContain("inet6", Run("ip", "-n", slot.NamespaceName, "-6", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
            Assert.Equal("1", File.ReadAllText($"/proc/sys/net/ipv6/conf/{slot.HostVeth}/disable_ipv6").Trim());
            Assert.Equal("1", File.ReadAllText($"/proc/sys/net/ipv4/conf/{slot.HostVeth}/rp_filter").Trim());
            Assert.DoesNotContain("inet6", Run("ip", "-6", "addr", "show", "dev", slot.HostVeth), StringComparison.Ordinal);

            var commands = runner.Commands;
            var vethAdded = commands.FindIndex(c => c.StartsWith("ip link add " + slot.HostVeth, StringComparison.Ordinal));
            var hostEndUp = commands.IndexOf("ip -batch -");
            Assert.True(vethAdded >= 0 && vethAdded < hostEndUp, string.Join('\n', commands));
            Assert.Contains("ip6tables-restore -w --noflush", commands);
        }
        finally
        {
            runner.Release();
            Assert.Empty(await network.RemoveAsync(slot, CancellationToken.None));
        }
    }

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
