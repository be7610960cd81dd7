namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// What a registered agent keeps: its id, the short-lived token for heartbeats (each heartbeat's answer
/// carries the next), the secret calls to it are signed with, and how often to send heartbeats.
/// </summary>
public sealed record RegisterHostResponse(string HostId, string HostToken, DateTime HostTokenExpiresAt, string AgentSecret, int HeartbeatIntervalSec);
