using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Telemetry;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// One reconciler step: a ready (or registered, never heard from) host silent for <see cref="HostLiveness.Silence"/> becomes
/// <c>unreachable</c>, and every sandbox on a silent host that was (or was becoming) running or paused
/// becomes <c>lost</c>. The step runs every pass, not only when the host turns silent: an operation
/// that was in flight when the host went quiet may still write its own outcome (running, paused) over
/// <c>lost</c>, and the next pass puts it back, so a silent host's sandboxes never show as running.
/// </summary>
public sealed class HostFailures(WrennDbContext db, HostLiveness liveness, ILogger logger)
{
    /// <summary>States a sandbox on a silent host cannot be trusted to be in any more.</summary>
    private static readonly string[] Stranded = [.. SandboxStates.OnHost];

    /// <summary>Marks what went silent; returns the ids of the sandboxes it marked lost.</summary>
    public async Task<IReadOnlyList<string>> MarkAsync(CancellationToken cancellationToken)
    {
        var since = liveness.SilentSince;
        var silent = await liveness.Silent(db).AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
        var lost = new List<string>();
        foreach (var host in silent)
        {
            // Conditional, in one statement: a heartbeat that lands between the read and this write wins.
            // Ready, or registered and never heard from since (pending with an address, as Silent found it).
            if (host.State is HostEntity.ReadyState or HostEntity.PendingState
                && await db.Hosts.Where(h => h.Id == host.Id && (h.State == HostEntity.ReadyState || h.State == HostEntity.PendingState) && (h.LastSeenAt == null || h.LastSeenAt < since))
                    .ExecuteUpdateAsync(set => set.SetProperty(h => h.State, HostEntity.UnreachableState), cancellationToken).ConfigureAwait(false) > 0)
            {
                logger.HostUnreachable(host.Id, host.Address, host.LastSeenAt, liveness.Silence);
            }

            var stranded = await db.Sandboxes.AsNoTracking().Where(s => s.HostId == host.Id && Stranded.Contains(s.State)).Select(s => new { s.Id, s.State }).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var sandbox in stranded)
            {
                using var scope = logger.BeginScope(new SandboxLogScope(sandbox.Id));
                // Only from the state just read: a kill that stopped it meanwhile stays stopped.
                if (await db.Sandboxes.Where(s => s.Id == sandbox.Id && s.State == sandbox.State)
                        .ExecuteUpdateAsync(set => set.SetProperty(s => s.State, SandboxStates.Lost), cancellationToken).ConfigureAwait(false) > 0)
                {
                    logger.SandboxLost(sandbox.Id, sandbox.State, host.Id);
                    lost.Add(sandbox.Id);
                }
            }
        }

        return lost;
    }
}
