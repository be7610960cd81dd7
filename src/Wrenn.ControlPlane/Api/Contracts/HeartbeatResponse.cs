namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>The answer to a heartbeat: when to send the next, and a fresh host token to use from now on.</summary>
public sealed record HeartbeatResponse(int HeartbeatIntervalSec, string HostToken, DateTime HostTokenExpiresAt);
