using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>The control plane's answer to a heartbeat: the interval it asks for and the host token to use from now on.</summary>
public sealed record HeartbeatResponseMessage(
    [property: JsonPropertyName("heartbeat_interval_sec")] int HeartbeatIntervalSec,
    [property: JsonPropertyName("host_token")] string? HostToken);
