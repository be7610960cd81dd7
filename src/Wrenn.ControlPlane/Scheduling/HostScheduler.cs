using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>Places a new sandbox on the ready host with the fewest live sandboxes.</summary>
public sealed class HostScheduler(WrennDbContext db)
{
    private static readonly string[] LiveStates =
        [SandboxStates.Starting, SandboxStates.Running, SandboxStates.Pausing, SandboxStates.Resuming];

    /// <summary>The chosen host, or null when no host is ready.</summary>
    public async Task<HostEntity?> PickAsync(CancellationToken cancellationToken)
    {
        var candidates = await db.Hosts
            .Where(h => h.State == HostEntity.ReadyState)
            .Select(h => new
            {
                Host = h,
                Load = db.Sandboxes.Count(s => s.HostId == h.Id && LiveStates.Contains(s.State)),
            })
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return candidates.OrderBy(c => c.Load).ThenBy(c => c.Host.Id, StringComparer.Ordinal).Select(c => c.Host).FirstOrDefault();
    }
}
