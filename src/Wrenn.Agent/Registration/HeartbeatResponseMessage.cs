using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>
/// The control plane's answer to a heartbeat: the interval it asks for, the host token to use from now on, and
/// the host's capacity as its placement counts it (CPUs and memory times its overcommit factors; null for a
/// figure the host never reported, or from a control plane that does not say), which bounds the warm pool.
/// </summary>
public sealed record HeartbeatResponseMessage(
    [property: JsonPropertyName("heartbeat_interval_sec")] int HeartbeatIntervalSec,
    [property: JsonPropertyName("host_token")] string? HostToken,
    [property: JsonPropertyName("capacity_vcpus")] long? CapacityVcpus = null,
    [property: JsonPropertyName("capacity_memory_mb")] long? CapacityMemoryMb = null);
