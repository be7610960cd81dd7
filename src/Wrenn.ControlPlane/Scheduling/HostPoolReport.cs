namespace Wrenn.ControlPlane.Scheduling;

/// <summary>A host's warm pool per key, with the moment its heartbeat was saved (the host's <c>LastSeenAt</c> then).</summary>
public sealed record HostPoolReport(DateTime SeenAt, IReadOnlyList<HostPoolLane> Lanes);
