using Microsoft.EntityFrameworkCore;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Marks a host as draining (the scheduler places nothing new on it; what runs there stays) or ready
/// for new sandboxes again. Emptying it (pausing its sandboxes so they resume elsewhere) is not done here.
/// </summary>
public sealed class HostDraining(WrennDbContext db, ILogger<HostDraining> logger)
{
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

        return host;
    }
}
