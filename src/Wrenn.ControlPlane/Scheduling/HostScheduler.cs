using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Data.Entities;
using Wrenn.ControlPlane.Hosts;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Places a new sandbox on a live host with room for its vcpus and memory (within the configured
/// overcommit), preferring the host with the most memory left, so load spreads.
/// </summary>
public sealed class HostScheduler(WrennDbContext db, HostLiveness liveness, IOptions<ControlPlaneOptions> options)
{
    private static readonly string[] LiveStates =
        [SandboxStates.Starting, SandboxStates.Running, SandboxStates.Pausing, SandboxStates.Paused, SandboxStates.Resuming];

    /// <summary>The chosen host, or null when no live host has room.</summary>
    public async Task<HostEntity?> PickAsync(int vcpus, int memoryMb, string? onlyHostId, CancellationToken cancellationToken)
    {
        var hosts = liveness.Alive(db);
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
            })
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        var limits = options.Value;
        return candidates
            .Where(c => c.Host.Cpus == 0 || c.Vcpus + vcpus <= c.Host.Cpus * limits.CpuOvercommit)
            .Where(c => c.Host.MemoryMb == 0 || c.MemoryMb + memoryMb <= c.Host.MemoryMb * limits.MemoryOvercommit)
            .OrderByDescending(c => c.Host.MemoryMb * limits.MemoryOvercommit - c.MemoryMb)
            .ThenBy(c => c.Host.Id, StringComparer.Ordinal)
            .Select(c => c.Host)
            .FirstOrDefault();
    }
}
