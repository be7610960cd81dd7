using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
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
public sealed class HostScheduler(WrennDbContext db, HostLiveness liveness, IOptions<ControlPlaneOptions> options)
{
    /// <summary>
    /// States in which a sandbox holds (or may again hold at once) its vcpus and memory on its host. A lost one
    /// counts: its host was silent, and when it answers again the sandbox may still run there (until the
    /// reconciler's next pass says which).
    /// </summary>
    private static readonly string[] LiveStates =
        [.. SandboxStates.OnHost, SandboxStates.Lost];

    /// <summary>
    /// The chosen host, or null when no live host has room. For a sandbox from <paramref name="template"/>
    /// only hosts of its own host's runtime and architecture qualify, and among those with room the
    /// hosts that already hold it (its own, and those holding a copy) come first, whatever the policy
    /// says of the others: a host without it must be sent a copy first. A sandbox moving off
    /// <paramref name="movingFrom"/> goes to another host of that host's runtime and architecture.
    /// </summary>
    public async Task<HostEntity?> PickAsync(int vcpus, int memoryMb, TemplateEntity? template, CancellationToken cancellationToken, HostEntity? movingFrom = null)
    {
        var hosts = liveness.Alive(db).Where(h => !h.Draining);
        if (movingFrom is not null)
        {
            var (sourceId, runtime, arch) = (movingFrom.Id, movingFrom.Runtime, movingFrom.Arch);
            hosts = hosts.Where(h => h.Id != sourceId && h.Runtime == runtime && h.Arch == arch);
        }

        HashSet<string> holders = [];
        if (template is not null)
        {
            var origin = await db.Hosts.AsNoTracking().Where(h => h.Id == template.HostId).Select(h => new { h.Runtime, h.Arch }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (origin is not null)
            {
                hosts = hosts.Where(h => h.Runtime == origin.Runtime && h.Arch == origin.Arch);
            }

            holders = [template.HostId, .. await db.TemplateCopies.Where(c => c.TemplateId == template.Id).Select(c => c.HostId).ToListAsync(cancellationToken).ConfigureAwait(false)];
        }

        var candidates = await hosts
            .Select(h => new
            {
                Host = h,
                // The host's warm pool holds real sandboxes (memory, processes) until they are claimed; a
                // sandbox being moved there holds its room from the moment the move chose it.
                Vcpus = (db.Sandboxes.Where(s => (s.HostId == h.Id || s.MovingToHostId == h.Id) && LiveStates.Contains(s.State)).Sum(s => (int?)s.Vcpus) ?? 0) + h.PooledVcpus,
                MemoryMb = (db.Sandboxes.Where(s => (s.HostId == h.Id || s.MovingToHostId == h.Id) && LiveStates.Contains(s.State)).Sum(s => (long?)s.MemoryMb) ?? 0) + h.PooledMemoryMb,
                Sandboxes = db.Sandboxes.Count(s => s.HostId == h.Id && LiveStates.Contains(s.State)),
            })
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var limits = options.Value;
        var ranking = new PlacementRanking(limits.Scheduling.Policy, limits.CpuOvercommit, limits.MemoryOvercommit);
        var ranked = ranking.Rank(candidates.Select(c => new HostCandidate(c.Host, c.Vcpus, c.MemoryMb, c.Sandboxes)), vcpus, memoryMb);
        return (ranked.FirstOrDefault(c => holders.Contains(c.Host.Id)) ?? ranked.FirstOrDefault())?.Host;
    }
}
