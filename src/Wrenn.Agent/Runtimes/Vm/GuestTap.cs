using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>Puts a VM's TAP and the slot-to-guest address translation (<see cref="GuestNetwork"/>) into a sandbox's namespace.</summary>
public sealed class GuestTap(ICommandRunner commands)
{
    /// <summary>Makes the TAP and the translation; the namespace's removal takes them away.</summary>
    public Task ConnectAsync(RuntimeNetwork network, CancellationToken cancellationToken) => ConnectAsync(network, null, cancellationToken);

    /// <summary>As <see cref="ConnectAsync(RuntimeNetwork, CancellationToken)"/>, with a TAP that <paramref name="owner"/> may attach to without privileges.</summary>
    public async Task ConnectAsync(RuntimeNetwork network, VmUser? owner, CancellationToken cancellationToken)
    {
        await AddTapAsync(network, owner, cancellationToken).ConfigureAwait(false);
        await TranslateAsync(network, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The TAP alone, with the gateway address: all a VMM needs to start. The translation
    /// (<see cref="TranslateAsync"/>) may then run while the VMM starts: until it is done nothing is
    /// forwarded between the guest and the slot, so the guest can reach nothing and nothing reaches it.
    /// </summary>
    public Task AddTapAsync(RuntimeNetwork network, VmUser? owner, CancellationToken cancellationToken) =>
        commands.RunCheckedAsync("ip", ["-n", Path.GetFileName(network.NamespacePath), "-batch", "-"], cancellationToken, GuestNetwork.TapCommands(owner));

    /// <summary>
    /// The namespace's NAT (slot address in, guest address out), then forwarding on: in that order, so
    /// nothing is ever forwarded untranslated. One process chain (the namespace's /proc/sys/net is the
    /// one the shell sees), not an <c>ip netns exec</c> each.
    /// </summary>
    public Task TranslateAsync(RuntimeNetwork network, CancellationToken cancellationToken) =>
        commands.RunCheckedAsync(
            "ip",
            ["netns", "exec", Path.GetFileName(network.NamespacePath), "sh", "-c", "iptables-restore && echo 1 > /proc/sys/net/ipv4/ip_forward"],
            cancellationToken,
            GuestNetwork.TranslationRules(network.SandboxAddress));

    /// <summary>
    /// As <see cref="ConnectAsync"/> unless the namespace has the TAP already: a VM paused to disk gave
    /// its slot back, and the one it resumes in may be new.
    /// </summary>
    public Task EnsureConnectedAsync(RuntimeNetwork network, CancellationToken cancellationToken) => EnsureConnectedAsync(network, null, cancellationToken);

    /// <summary>As <see cref="EnsureConnectedAsync(RuntimeNetwork, CancellationToken)"/>, the TAP owned by <paramref name="owner"/>.</summary>
    public async Task EnsureConnectedAsync(RuntimeNetwork network, VmUser? owner, CancellationToken cancellationToken)
    {
        if (await EnsureTapAsync(network, owner, cancellationToken).ConfigureAwait(false))
        {
            await TranslateAsync(network, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes the TAP (<see cref="AddTapAsync"/>) unless the namespace has it already; true when it was made,
    /// and the namespace then needs its translation (<see cref="TranslateAsync"/>) too.
    /// </summary>
    public async Task<bool> EnsureTapAsync(RuntimeNetwork network, VmUser? owner, CancellationToken cancellationToken)
    {
        var tap = await commands.RunAsync("ip", ["-n", Path.GetFileName(network.NamespacePath), "link", "show", GuestNetwork.TapName], cancellationToken).ConfigureAwait(false);
        if (tap.Succeeded)
        {
            return false;
        }

        await AddTapAsync(network, owner, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A TAP that <paramref name="owner"/> may attach to, in namespace <paramref name="namespaceName"/>, without an address (<see cref="MoveTapAsync"/> gives it one where it goes).</summary>
    public Task AddUnaddressedTapAsync(string namespaceName, VmUser owner, CancellationToken cancellationToken) =>
        commands.RunCheckedAsync("ip", ["-n", namespaceName, "-batch", "-"], cancellationToken, GuestNetwork.TapCreateCommand(owner));

    /// <summary>
    /// Moves the TAP from namespace <paramref name="fromNamespace"/> (a VMM attached to it stays attached) into the
    /// sandbox's, and gives it the gateway address there: a move takes a device's addresses and brings it down.
    /// </summary>
    public async Task MoveTapAsync(string fromNamespace, RuntimeNetwork network, CancellationToken cancellationToken)
    {
        var to = Path.GetFileName(network.NamespacePath);
        await commands.RunCheckedAsync("ip", ["-n", fromNamespace, "link", "set", "dev", GuestNetwork.TapName, "netns", to], cancellationToken).ConfigureAwait(false);
        await commands.RunCheckedAsync("ip", ["-n", to, "-batch", "-"], cancellationToken, GuestNetwork.TapAddressCommands()).ConfigureAwait(false);
    }
}
