using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.Common.Ids;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Places a new sandbox on a live, not draining host with room for its vcpus and memory (within the
/// configured overcommit), choosing among those by the configured policy (<see cref="PlacementRanking"/>,
/// docs/scheduling.md). Callers hold the <see cref="IPlacementLock"/> from the pick until the sandbox's
/// row is inserted, so what is counted here is what is really placed.
/// </summary>
public sealed class HostScheduler(WrennDbContext db, AdmissionQueries queries, HostLiveness liveness, HostPools pools, IOptions<ControlPlaneOptions> options)
{
    /// <summary>
    /// States in which a sandbox holds (or may again hold at once) its vcpus and memory on its host. A lost one
    /// counts: its host was silent, and when it answers again the sandbox may still run there (until the
    /// reconciler's next pass says which).
    /// </summary>
    internal static readonly string[] LiveStates =
        [.. SandboxStates.OnHost, SandboxStates.Lost];

    /// <summary>
    /// The chosen host, or null when no live host has room. For a sandbox from <paramref name="template"/>
    /// only hosts of its own host's runtime and architecture qualify, and among those with room the
    /// hosts that already hold it (its own, and those holding a copy) come first, whatever the policy
    /// says of the others: a host without it must be sent a copy first. A sandbox moving off
    /// <paramref name="movingFrom"/> goes to another host of that host's runtime and architecture.
    /// A new sandbox (from <paramref name="template"/> or the image <paramref name="image"/>) that a host's
    /// warm pool has a ready sandbox for needs no new room there (it takes that sandbox's, which is
    /// counted already), and such a host comes first of all. A host's pool gives way to sandboxes: a host
    /// full only because of its pool still takes one (its agent destroys pooled sandboxes for the room),
    /// after the hosts that have room without that.
    /// </summary>
    public async Task<HostEntity?> PickAsync(int vcpus, int memoryMb, TemplateEntity? template, CancellationToken cancellationToken, HostEntity? movingFrom = null, string? image = null)
    {
        // Compiled (AdmissionQueries): every create runs this. Each filter that does not apply is null.
        string? originRuntime = null;
        string? originArch = null;
        HashSet<string> holders = [];
        if (template is not null)
        {
            var origin = await db.Hosts.AsNoTracking().Where(h => h.Id == template.HostId).Select(h => new { h.Runtime, h.Arch }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            (originRuntime, originArch) = (origin?.Runtime, origin?.Arch);
            holders = [template.HostId, .. await db.TemplateCopies.Where(c => c.TemplateId == template.Id).Select(c => c.HostId).ToListAsync(cancellationToken).ConfigureAwait(false)];
        }

        var candidates = new List<HostCandidate>();
        await foreach (var candidate in queries.HostCandidates(db, liveness.SilentSince, movingFrom?.Id, movingFrom?.Runtime, movingFrom?.Arch, originRuntime, originArch).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            candidates.Add(candidate);
        }

        var poolKey = movingFrom is null ? template?.Id ?? image : null;
        var pooled = await PooledAsync(candidates.Select(c => c.Host).ToList(), poolKey, vcpus, memoryMb, cancellationToken).ConfigureAwait(false);
        var limits = options.Value;
        var ranking = new PlacementRanking(limits.Scheduling.Policy, limits.CpuOvercommit, limits.MemoryOvercommit);
        var ranked = ranking.Rank(
            candidates.Select(c => pooled.TryGetValue(c.Host.Id, out var pool)
                ? c with
                {
                    UsedVcpus = c.UsedVcpus - pool.ClaimedVcpus,
                    UsedMemoryMb = c.UsedMemoryMb - pool.ClaimedMemoryMb,
                    PoolHit = pool.Hit,
                    PooledVcpus = Math.Max(0, c.PooledVcpus - pool.ClaimedVcpus),
                    PooledMemoryMb = Math.Max(0, c.PooledMemoryMb - pool.ClaimedMemoryMb),
                }
                : c),
            vcpus,
            memoryMb);
        return (ranked.FirstOrDefault(c => c.PoolHit) ?? ranked.FirstOrDefault(c => holders.Contains(c.Host.Id)) ?? ranked.FirstOrDefault())?.Host;
    }

    /// <summary>
    /// For each host whose pool this process knows from its latest heartbeat: the room of the pooled
    /// sandboxes claimed since (sandboxes of a pool key placed there after the heartbeat, at most as many
    /// as were ready: the heartbeat counted them in the pool, and their rows count them again), and
    /// whether a ready one is left for <paramref name="poolKey"/> with this size.
    /// </summary>
    private async Task<Dictionary<string, PoolRoom>> PooledAsync(List<HostEntity> hosts, string? poolKey, int vcpus, int memoryMb, CancellationToken cancellationToken)
    {
        var reports = hosts
            .Select(h => (Host: h, Report: pools.Current(h.Id, h.LastSeenAt)))
            .Where(r => r.Report is not null && r.Report.Lanes.Any(l => l.Ready > 0))
            .ToDictionary(r => r.Host.Id, r => r.Report!, StringComparer.Ordinal);
        if (reports.Count == 0)
        {
            return [];
        }

        var hostIds = reports.Keys.ToList();
        var since = reports.Values.Min(r => r.SeenAt);
        var placed = await db.Sandboxes.AsNoTracking()
            .Where(s => hostIds.Contains(s.HostId) && s.CreatedAt >= since && LiveStates.Contains(s.State))
            .Select(s => new { s.HostId, s.TeamId, s.Template, s.Vcpus, s.MemoryMb, s.CreatedAt })
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);

        // Hosts know a template by its id; a row keeps the name the create gave (a template's name or id, or an image).
        var names = placed.Select(p => p.Template).Where(t => !WrennIds.IsTemplateId(t)).Distinct(StringComparer.Ordinal).ToList();
        var templateIds = names.Count == 0
            ? []
            : (await db.Templates.AsNoTracking().Where(t => names.Contains(t.Name)).Select(t => new { t.Id, t.TeamId, t.Name }).ToListAsync(cancellationToken).ConfigureAwait(false))
                .ToDictionary(t => (t.TeamId, t.Name), t => t.Id);

        var rooms = new Dictionary<string, PoolRoom>(StringComparer.Ordinal);
        foreach (var (hostId, report) in reports)
        {
            var claims = placed
                .Where(p => p.HostId == hostId && p.CreatedAt >= report.SeenAt)
                .Select(p => (Key: WrennIds.IsTemplateId(p.Template) ? p.Template : templateIds.GetValueOrDefault((p.TeamId, p.Template), p.Template), p.Vcpus, MemoryMb: (long)p.MemoryMb))
                .ToList();
            var (claimedVcpus, claimedMemoryMb, hit) = (0, 0L, false);
            foreach (var lane in report.Lanes)
            {
                var claimed = Math.Min(lane.Ready, claims.Count(c => c.Key == lane.Template && c.Vcpus == lane.Vcpus && c.MemoryMb == lane.MemoryMb));
                claimedVcpus += claimed * lane.Vcpus;
                claimedMemoryMb += claimed * lane.MemoryMb;
                hit |= claimed < lane.Ready && lane.Template == poolKey && lane.Vcpus == vcpus && lane.MemoryMb == memoryMb;
            }

            rooms[hostId] = new PoolRoom(claimedVcpus, claimedMemoryMb, hit);
        }

        return rooms;
    }
}
