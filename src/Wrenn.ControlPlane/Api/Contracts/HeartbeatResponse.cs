namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// The answer to a heartbeat: when to send the next, a fresh host token to use from now on, and the host's
/// capacity as placement counts it (its CPUs and memory times the overcommit factors; null for a figure the
/// host never reported, which limits nothing). The agent keeps its warm pool within that capacity less what
/// its own sandboxes hold, so pooled sandboxes never take room that sandboxes placed there need.
/// </summary>
public sealed record HeartbeatResponse(int HeartbeatIntervalSec, string HostToken, DateTime HostTokenExpiresAt, long? CapacityVcpus = null, long? CapacityMemoryMb = null);
