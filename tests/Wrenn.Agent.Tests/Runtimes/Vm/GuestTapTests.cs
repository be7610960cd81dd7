using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.Agent.Network;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes;
using Wrenn.Agent.Runtimes.Vm;

namespace Wrenn.Agent.Tests.Runtimes.Vm;

/// <summary>
/// On a real host, in a real slot: a VM's TAP is made first (all QEMU needs to start) and the namespace's
/// translation after it, while QEMU starts (the runtime lets the guest run only once it is made): then the
/// slot's address leads to the guest's, the guest's traffic leaves with the slot's address, and the namespace
/// forwards. Made again (a retried resume), the translation stays one set of rules. A resume in a slot that
/// already has the TAP does not make it again.
/// </summary>
public sealed class GuestTapTests
{
    private static readonly VmUser Owner = new(2000000123, 2000000123);

    [Fact]
    public async Task The_tap_comes_first_and_the_translation_made_after_it_leads_the_slot_to_the_guest()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = Microsoft.Extensions.Options.Options.Create(new NetworkOptions { Nameservers = NameserverResolver.None });
        var manager = NewManager(options);
        var slot = await manager.CreateAsync(new RollbackList("create", NullLogger.Instance, new NoStepFaults()), ct);
        try
        {
            var network = new RuntimeNetwork(slot.NamespacePath, slot.SandboxAddress, slot.HostAddress, SlotAddresses.PrefixLength, []);
            var tap = new GuestTap(new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance));
            await tap.AddTapAsync(network, Owner, ct);

            // The TAP, with the gateway address, for the VM user to attach to; no translation yet.
            Assert.Equal(Owner.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), InNamespace(slot.NamespaceName, "cat", $"/sys/class/net/{GuestNetwork.TapName}/owner"));
            Assert.Contains($"{GuestNetwork.TapAddress}/{GuestNetwork.PrefixLength}", InNamespace(slot.NamespaceName, "ip", "-4", "addr", "show", "dev", GuestNetwork.TapName), StringComparison.Ordinal);
            Assert.DoesNotContain("DNAT", InNamespace(slot.NamespaceName, "iptables", "-t", "nat", "-S"), StringComparison.Ordinal);

            await tap.TranslateAsync(network, ct);
            var nat = InNamespace(slot.NamespaceName, "iptables", "-t", "nat", "-S");
            Assert.Contains($"-A PREROUTING -d {slot.SandboxAddress}/32 -i {GuestNetwork.UplinkName} -j DNAT --to-destination {GuestNetwork.GuestAddress}", nat, StringComparison.Ordinal);
            Assert.Contains($"-A POSTROUTING -s {GuestNetwork.GuestAddress}/32 -o {GuestNetwork.UplinkName} -j SNAT --to-source {slot.SandboxAddress}", nat, StringComparison.Ordinal);
            Assert.Equal("1", InNamespace(slot.NamespaceName, "cat", "/proc/sys/net/ipv4/ip_forward"));

            // Made again (a retried resume does): the same two rules, not four.
            await tap.TranslateAsync(network, ct);
            Assert.Single(InNamespace(slot.NamespaceName, "iptables", "-t", "nat", "-S").Split('\n'), l => l.Contains("DNAT", StringComparison.Ordinal));

            // The slot has its TAP now: a resume here makes no second one.
            Assert.False(await tap.EnsureTapAsync(network, Owner, ct));
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

    private static string InNamespace(string name, params string[] command)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", name, .. command])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', command)}: {error.Result}");
        return output.Trim();
    }
}
