using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// A host that may take a sandbox, with what is placed on it now (live sandboxes plus its warm pool).
/// <see cref="PoolHit"/>: its pool has a ready sandbox for this create, which takes that one's room (already in the used figures) instead of new room.
/// </summary>
public sealed record HostCandidate(HostEntity Host, int UsedVcpus, long UsedMemoryMb, int Sandboxes, bool PoolHit = false);
