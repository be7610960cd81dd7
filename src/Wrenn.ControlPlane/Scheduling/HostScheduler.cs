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

    /// <summary>The chosen host, or null when no live host has room.</summary>
    public async Task<HostEntity?> PickAsync(int vcpus, int memoryMb, string? onlyHostId, CancellationToken cancellationToken)
    {
        var hosts = liveness.Alive(db).Where(h => !h.Draining);
        if (onlyHostId is not null)
        {
            hosts = hosts.Where(h => h.Id == onlyHostId);
        }

        var candidates = await hosts
            .Select(h => new
            {
                Host = h,
                // The host's warm pool holds real sandboxes (memory, processes) until they are claimed.
                Vcpus = (db.Sandboxes.Where(s => s.HostId == h.Id && LiveStates.Contains(s.State)).Sum(s => (int?)s.Vcpus) ?? 0) + h.PooledVcpus,
                MemoryMb = (db.Sandboxes.Where(s => s.HostId == h.Id && LiveStates.Contains(s.State)).Sum(s => (long?)s.MemoryMb) ?? 0) + h.PooledMemoryMb,
                Sandboxes = db.Sandboxes.Count(s => s.HostId == h.Id && LiveStates.Contains(s.State)),
            })
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var limits = options.Value;
        var ranking = new PlacementRanking(limits.Scheduling.Policy, limits.CpuOvercommit, limits.MemoryOvercommit);
        return ranking
            .Rank(candidates.Select(c => new HostCandidate(c.Host, c.Vcpus, c.MemoryMb, c.Sandboxes)), vcpus, memoryMb)
            .FirstOrDefault()?.Host;
    }
}
