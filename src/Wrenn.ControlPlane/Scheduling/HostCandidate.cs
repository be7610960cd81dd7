using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// A host that may take a sandbox, with what is placed on it now (live sandboxes plus its warm pool).
/// <see cref="PoolHit"/>: its pool has a ready sandbox for this create, which takes that one's room (already in the used figures) instead of new room.
/// <see cref="PooledVcpus"/> and <see cref="PooledMemoryMb"/>: the part of the used figures that the warm pool holds; the agent
/// destroys pooled sandboxes when a create needs their room, so they count for the order of hosts but do not make one full.
/// </summary>
public sealed record HostCandidate(HostEntity Host, int UsedVcpus, long UsedMemoryMb, int Sandboxes, bool PoolHit = false, int PooledVcpus = 0, long PooledMemoryMb = 0);
