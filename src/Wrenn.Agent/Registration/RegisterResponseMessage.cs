using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

public sealed record RegisterResponseMessage(
    [property: JsonPropertyName("host_id")] string HostId,
    [property: JsonPropertyName("host_token")] string HostToken,
    [property: JsonPropertyName("agent_secret")] string AgentSecret,
    [property: JsonPropertyName("heartbeat_interval_sec")] int HeartbeatIntervalSec);
