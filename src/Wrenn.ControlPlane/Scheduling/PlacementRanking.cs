namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Which candidate hosts have room for a sandbox and in what order the policy prefers them. A host's
/// capacity is its CPUs and memory times the overcommit factors; a figure the host never reported (0)
/// limits nothing. Its load is the larger of the two fractions used once the sandbox is placed, so a
/// host full of memory counts as full whatever its CPUs. Pure, so the rules are tested without a
/// database (docs/scheduling.md says the same in words).
/// </summary>
public sealed class PlacementRanking(SchedulingPolicy policy, double cpuOvercommit, double memoryOvercommit)
{
    /// <summary>
    /// The hosts with room for <paramref name="vcpus"/> and <paramref name="memoryMb"/>, best first. A pool hit
    /// needs no new room: it fits while the host is not over its capacity already.
    /// </summary>
    public IReadOnlyList<HostCandidate> Rank(IEnumerable<HostCandidate> candidates, int vcpus, long memoryMb)
    {
        var fitting = candidates
            .Select(c => (Candidate: c, Load: c.PoolHit ? LoadAfter(c, 0, 0) : LoadAfter(c, vcpus, memoryMb)))
            .Where(c => c.Load <= 1.0)
            .ToList();

        // Ties (equal load, e.g. hosts that reported no specs) go by sandbox count, then id, so the
        // order is the same on every replica.
        var ordered = policy == SchedulingPolicy.Pack
            ? fitting.OrderByDescending(c => c.Load).ThenByDescending(c => c.Candidate.Sandboxes)
            : fitting.OrderBy(c => c.Load).ThenBy(c => c.Candidate.Sandboxes);
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
