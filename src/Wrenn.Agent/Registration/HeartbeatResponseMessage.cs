using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

public sealed record HeartbeatResponseMessage([property: JsonPropertyName("heartbeat_interval_sec")] int HeartbeatIntervalSec);
