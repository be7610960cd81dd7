namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Of a host's warm pool since its last heartbeat: the room of the pooled sandboxes claimed since (counted
/// by their rows and still in the pool's totals), and whether a ready one is left for the create at hand.
/// </summary>
public sealed record PoolRoom(int ClaimedVcpus, long ClaimedMemoryMb, bool Hit);
