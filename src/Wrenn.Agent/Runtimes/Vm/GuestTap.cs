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
        var ns = Path.GetFileName(network.NamespacePath);
        await commands.RunCheckedAsync("ip", ["-n", ns, "-batch", "-"], cancellationToken, GuestNetwork.TapCommands(owner)).ConfigureAwait(false);
        await commands.RunCheckedAsync("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], cancellationToken).ConfigureAwait(false);
        await commands.RunCheckedAsync("ip", ["netns", "exec", ns, "iptables-restore"], cancellationToken, GuestNetwork.TranslationRules(network.SandboxAddress)).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="ConnectAsync"/> unless the namespace has the TAP already: a VM paused to disk gave
    /// its slot back, and the one it resumes in may be new.
    /// </summary>
    public Task EnsureConnectedAsync(RuntimeNetwork network, CancellationToken cancellationToken) => EnsureConnectedAsync(network, null, cancellationToken);

    /// <summary>As <see cref="EnsureConnectedAsync(RuntimeNetwork, CancellationToken)"/>, the TAP owned by <paramref name="owner"/>.</summary>
    public async Task EnsureConnectedAsync(RuntimeNetwork network, VmUser? owner, CancellationToken cancellationToken)
    {
        var tap = await commands.RunAsync("ip", ["-n", Path.GetFileName(network.NamespacePath), "link", "show", GuestNetwork.TapName], cancellationToken).ConfigureAwait(false);
        if (!tap.Succeeded)
        {
            await ConnectAsync(network, owner, cancellationToken).ConfigureAwait(false);
        }
    }
}
