using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Which candidate hosts have room for a sandbox and in what order the policy prefers them. A host's
/// capacity is its CPUs and memory times the overcommit factors; a figure the host never reported (0)
/// limits nothing. Its load is the larger of the two fractions used once the sandbox is placed, so a
/// host full of memory counts as full whatever its CPUs. A host's warm pool gives way: its room counts
/// in the load, but a host whose sandboxes leave room for the new one takes it even when its pool fills
/// the rest (its agent destroys pooled sandboxes to make room), after every host that has room without
/// that. Pure, so the rules are tested without a database (docs/scheduling.md says the same in words).
/// </summary>
public sealed class PlacementRanking(SchedulingPolicy policy, double cpuOvercommit, double memoryOvercommit)
{
    /// <summary>
    /// The most vCPUs and memory the sandboxes and warm pool of <paramref name="host"/> may hold (what placement
    /// fills it to); null for a figure the host never reported.
    /// </summary>
    public static (long? Vcpus, long? MemoryMb) Capacity(HostEntity host, double cpuOvercommit, double memoryOvercommit) => (
        host.Cpus > 0 ? (long)Math.Floor(host.Cpus * cpuOvercommit) : null,
        host.MemoryMb > 0 ? (long)Math.Floor(host.MemoryMb * memoryOvercommit) : null);

    /// <summary>
    /// The hosts with room for <paramref name="vcpus"/> and <paramref name="memoryMb"/>, best first. A pool hit
    /// needs no new room: it takes a pooled sandbox's. Hosts that fit only once their pool gives up room come last.
    /// </summary>
    public IReadOnlyList<HostCandidate> Rank(IEnumerable<HostCandidate> candidates, int vcpus, long memoryMb)
    {
        var fitting = candidates
            .Where(c => LoadAfter(c with { UsedVcpus = c.UsedVcpus - c.PooledVcpus, UsedMemoryMb = c.UsedMemoryMb - c.PooledMemoryMb }, vcpus, memoryMb) <= 1.0)
            .Select(c => (Candidate: c, Load: c.PoolHit ? LoadAfter(c, 0, 0) : LoadAfter(c, vcpus, memoryMb)))
            .ToList();

        // Ties (equal load, e.g. hosts that reported no specs) go by sandbox count, then id, so the
        // order is the same on every replica.
        var byRoom = fitting.OrderBy(c => c.Load > 1.0);
        var ordered = policy == SchedulingPolicy.Pack
            ? byRoom.ThenByDescending(c => c.Load).ThenByDescending(c => c.Candidate.Sandboxes)
            : byRoom.ThenBy(c => c.Load).ThenBy(c => c.Candidate.Sandboxes);
        return [.. ordered.ThenBy(c => c.Candidate.Host.Id, StringComparer.Ordinal).Select(c => c.Candidate)];
    }

    /// <summary>The host's load (0 = empty, 1 = full) with the new sandbox on it; above 1 when it does not fit.</summary>
    public double LoadAfter(HostCandidate candidate, int vcpus, long memoryMb)
    {
        var cpuCapacity = candidate.Host.Cpus * cpuOvercommit;
        var memoryCapacity = candidate.Host.MemoryMb * memoryOvercommit;
        var cpu = candidate.Host.Cpus > 0 ? (candidate.UsedVcpus + vcpus) / cpuCapacity : 0;
        var memory = candidate.Host.MemoryMb > 0 ? (candidate.UsedMemoryMb + memoryMb) / memoryCapacity : 0;
        return Math.Max(cpu, memory);
    }
}
