namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>One key of a host's warm pool in a heartbeat: template (id or image name), size, ready sandboxes.</summary>
public sealed record HeartbeatPoolLane(string? Template, int? Vcpus, long? MemoryMb, int? Ready);
