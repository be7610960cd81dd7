using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Api.Contracts;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Marks a host as draining (the scheduler places nothing new on it, and <see cref="HostDrainer"/>
/// pauses its sandboxes and moves them to other hosts) or ready for new sandboxes again, and says how
/// far emptying it has got.
/// </summary>
public sealed class HostDraining(WrennDbContext db, HostDrainer drainer, ILogger<HostDraining> logger)
{
    /// <summary>States of a sandbox that still holds room on its host: what a drain has left to move.</summary>
    public static readonly string[] Left = [.. SandboxStates.OnHost];

    /// <summary>The host after the change, or null when there is no such host. Draining twice is the same as once.</summary>
    public async Task<HostEntity?> SetAsync(string hostId, bool draining, CancellationToken cancellationToken)
    {
        var host = await db.Hosts.FirstOrDefaultAsync(h => h.Id == hostId, cancellationToken).ConfigureAwait(false);
        if (host is null)
        {
            return null;
        }

        if (host.Draining != draining)
        {
            host.Draining = draining;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            if (draining)
            {
                logger.HostDraining(hostId);
            }
            else
            {
                logger.HostUndrained(hostId);
            }
        }

        if (draining)
        {
            // This replica starts emptying it now; the leader's passes carry on from there.
            drainer.Kick();
        }

        return host;
    }

    /// <summary>What is left on a draining host; null for a host that is not draining.</summary>
    public async Task<HostDrainResponse?> ProgressAsync(HostEntity host, CancellationToken cancellationToken)
    {
        if (!host.Draining)
        {
            return null;
        }

        var left = await db.Sandboxes.AsNoTracking()
            .Where(s => s.HostId == host.Id && Left.Contains(s.State))
            .Select(s => new { s.Id, s.State, s.MovingToHostId, s.MoveFailure, s.MoveFailedAt })
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return new HostDrainResponse(
            left.Count,
            left.Count(s => s.State == SandboxStates.Running),
            left.Count(s => s.State == SandboxStates.Paused),
            left.Count(s => s.MovingToHostId != null),
            [.. left.Where(s => s.MoveFailure != null && s.MovingToHostId == null)
                .OrderBy(s => s.Id, StringComparer.Ordinal)
                .Select(s => new HostDrainFailureResponse(s.Id, s.State, s.MoveFailure!, DateTime.SpecifyKind(s.MoveFailedAt ?? default, DateTimeKind.Utc)))]);
    }
}
