using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>Which hosts count as alive: ready, and heard from within the allowed number of heartbeats.</summary>
public sealed class HostLiveness(IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    public TimeSpan Silence => options.Value.HeartbeatInterval * options.Value.MissedHeartbeatsBeforeUnreachable;

    public DateTime SilentSince => clock.GetUtcNow().UtcDateTime - Silence;

    /// <summary>Ready hosts heard from recently.</summary>
    public IQueryable<HostEntity> Alive(WrennDbContext db)
    {
        var since = SilentSince;
        return db.Hosts.Where(h => h.State == HostEntity.ReadyState && h.LastSeenAt != null && h.LastSeenAt >= since);
    }
}
