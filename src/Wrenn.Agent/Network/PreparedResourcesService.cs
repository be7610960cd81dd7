using Wrenn.Agent.Storage;

namespace Wrenn.Agent.Network;

/// <summary>
/// Starts keeping network slots and sandbox disks made ahead once the agent has recovered what an earlier
/// run left (it is registered after the sandbox lifecycle service, whose start does that), after
/// removing what an earlier run had prepared; at stop, removes whatever is still waiting.
/// </summary>
public sealed class PreparedResourcesService(SandboxNetworkManager network, SandboxDisk disk, Runtimes.IRuntime runtime) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await network.StartPreparingAsync(cancellationToken).ConfigureAwait(false);

        // Only runtimes whose root filesystem is mounted on the host (containers) use the sandbox disk; the disks an
        // earlier run left mounted go in either case (it may have run another runtime).
        if (runtime.Capabilities.HostRootfs)
        {
            await disk.StartPreparingAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            disk.RemoveLeftovers(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host's stop token may be short; what waits must be removed regardless.
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await network.StopPreparingAsync(budget.Token).ConfigureAwait(false);
        await disk.StopPreparingAsync(budget.Token).ConfigureAwait(false);
    }
}
