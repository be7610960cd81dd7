using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Which hosts count as alive: heard from within the allowed number of heartbeats
/// (<c>WRENN_HEARTBEAT_INTERVAL_SEC</c> × <c>WRENN_MISSED_HEARTBEATS</c>).
/// </summary>
public sealed class HostLiveness(IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    public TimeSpan Silence => options.Value.HeartbeatInterval * options.Value.MissedHeartbeatsBeforeUnreachable;

    public DateTime SilentSince => clock.GetUtcNow().UtcDateTime - Silence;

    /// <summary>Ready hosts heard from recently: where new work may go (<c>AdmissionQueries.HostCandidates</c>, compiled, repeats this test).</summary>
    public IQueryable<HostEntity> Alive(WrennDbContext db)
    {
        var since = SilentSince;
        return db.Hosts.Where(h => h.State == HostEntity.ReadyState && h.LastSeenAt != null && h.LastSeenAt >= since);
    }

    /// <summary>
    /// Registered hosts heard from recently, whatever else their state says (ready, or taking nothing
    /// new): the ones whose sandboxes the reconciler checks against what the agent lists.
    /// </summary>
    public IQueryable<HostEntity> Answering(WrennDbContext db)
    {
        var since = SilentSince;
        return db.Hosts.Where(h => h.State != HostEntity.PendingState && h.State != HostEntity.UnreachableState && h.LastSeenAt != null && h.LastSeenAt >= since);
    }

    /// <summary>
    /// Registered hosts that are unreachable or have been silent too long: their sandboxes are lost. A host
    /// that registered (it has an address) and never sent its first heartbeat counts too: its silence runs
    /// from the registration.
    /// </summary>
    public IQueryable<HostEntity> Silent(WrennDbContext db)
    {
        var since = SilentSince;
        return db.Hosts.Where(h => (h.State != HostEntity.PendingState || h.Address != string.Empty) && (h.State == HostEntity.UnreachableState || h.LastSeenAt == null || h.LastSeenAt < since));
    }
}
