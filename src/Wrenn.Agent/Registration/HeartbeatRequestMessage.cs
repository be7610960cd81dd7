using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>
/// Body of POST /v1/hosts/{id}/heartbeat. <see cref="PooledVcpus"/> and <see cref="PooledMemoryMb"/>
/// are what the host's warm pool holds (ready sandboxes no one has claimed): the control plane counts
/// them against the host's capacity.
/// </summary>
public sealed record HeartbeatRequestMessage(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("specs")] HostSpecsMessage Specs,
    [property: JsonPropertyName("running_sandboxes")] int RunningSandboxes,
    [property: JsonPropertyName("pooled_vcpus")] long PooledVcpus = 0,
    [property: JsonPropertyName("pooled_memory_mb")] long PooledMemoryMb = 0);
