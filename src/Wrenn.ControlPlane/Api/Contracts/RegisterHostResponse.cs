namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// What a registered agent keeps: its id, the long-lived token for heartbeats, the secret calls to it
/// are signed with, and how often to send heartbeats.
/// </summary>
public sealed record RegisterHostResponse(string HostId, string HostToken, string AgentSecret, int HeartbeatIntervalSec);
