using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Tests.Network;

/// <summary>
/// On a real host: a slot has IPv6 off on both ends, strict reverse-path filtering on the host end and
/// its ip6tables chain; an agent started later (which knows the slot only by its index, from the
/// sandbox's record) removes all of it, IPv6 rules included.
/// </summary>
public sealed class SlotTeardownTests
{
    [Fact]
    public async Task A_slot_left_by_an_earlier_agent_is_removed_with_its_ipv6_rules()
    {
        Assert.SkipUnless(Directory.Exists(SandboxFirewall.Ipv6Settings), "this kernel has no IPv6");
        var ct = TestContext.Current.CancellationToken;
        var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None });
        var slot = await NewManager(options).CreateAsync(new RollbackList("create", NullLogger.Instance, new NoStepFaults()), ct);
        var removed = false;
        try
        {
            Assert.Equal("1", Read($"/proc/sys/net/ipv6/conf/{slot.HostVeth}/disable_ipv6"));
            Assert.Equal("1", Read($"/proc/sys/net/ipv4/conf/{slot.HostVeth}/rp_filter"));
            Assert.Equal("1", Run("ip", "netns", "exec", slot.NamespaceName, "cat", "/proc/sys/net/ipv6/conf/eth0/disable_ipv6").Output.Trim());
            Assert.DoesNotContain("inet6", Run("ip", "-n", slot.NamespaceName, "-6", "addr", "show", "dev", "eth0").Output, StringComparison.Ordinal);
            Assert.Equal(0, Run("ip6tables", "-w", "-n", "-L", SandboxFirewall.Ipv6Chain(slot)).Code);

            // A new agent: it reserves the slot from the record and removes it.
            var restarted = NewManager(options);
            Assert.Empty(await restarted.RemoveAsync(restarted.Reserve(slot.Index), ct));
            removed = true;

            Assert.NotEqual(0, Run("ip6tables", "-w", "-n", "-L", SandboxFirewall.Ipv6Chain(slot)).Code);
            Assert.NotEqual(0, Run("iptables", "-w", "-n", "-L", SandboxFirewall.OutChain(slot)).Code);
            Assert.DoesNotContain(slot.HostVeth, Run("ip6tables-save").Output, StringComparison.Ordinal);
            Assert.False(File.Exists(slot.NamespacePath));
        }
        finally
        {
            if (!removed)
            {
                await NewManager(options).RemoveAsync(slot, CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task A_vm_tap_made_in_a_slot_has_no_ipv6()
    {
        Assert.SkipUnless(Directory.Exists(SandboxFirewall.Ipv6Settings), "this kernel has no IPv6");
        var ct = TestContext.Current.CancellationToken;
        var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None });
        var manager = NewManager(options);
        var slot = await manager.CreateAsync(new RollbackList("create", NullLogger.Instance, new NoStepFaults()), ct);
        try
        {
            var tap = new Wrenn.Agent.Runtimes.Vm.GuestTap(new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance));
            await tap.ConnectAsync(new Wrenn.Agent.Runtimes.RuntimeNetwork(slot.NamespacePath, slot.SandboxAddress, slot.HostAddress, SlotAddresses.PrefixLength, []), ct);

            // The guest's kernel keeps its own IPv6; what it sends meets a TAP that does not speak it.
            Assert.Equal("1", Run("ip", "netns", "exec", slot.NamespaceName, "cat", $"/proc/sys/net/ipv6/conf/{Wrenn.Agent.Runtimes.Vm.GuestNetwork.TapName}/disable_ipv6").Output.Trim());
            Assert.Equal("0", Run("ip", "netns", "exec", slot.NamespaceName, "cat", "/proc/sys/net/ipv6/conf/all/forwarding").Output.Trim());
        }
        finally
        {
            Assert.Empty(await manager.RemoveAsync(slot, CancellationToken.None));
        }
    }

    private static SandboxNetworkManager NewManager(Microsoft.Extensions.Options.IOptions<NetworkOptions> options)
    {
        var runner = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);
        var firewall = new SandboxFirewall(runner, options, new NameserverResolver(options, NullLogger<NameserverResolver>.Instance), NullLogger<SandboxFirewall>.Instance);
        return new SandboxNetworkManager(runner, firewall, options, NullLogger<SandboxNetworkManager>.Instance);
    }

    private static string Read(string path) => File.ReadAllText(path).Trim();

    private static (int Code, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = error.Result;
        return (process.ExitCode, output);
    }
}
