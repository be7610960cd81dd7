using System.Text.Json.Serialization;

namespace Wrenn.Agent.Registration;

/// <summary>
/// Body of POST /v1/hosts/{id}/heartbeat. <see cref="PooledVcpus"/> and <see cref="PooledMemoryMb"/>
/// are what the host's warm pool holds (ready sandboxes no one has claimed): the control plane counts
/// them against the host's capacity. <see cref="Pool"/> says per key how many of those are ready: the
/// control plane knows from it that a create of such a key claims a pooled sandbox, whose room is
/// already counted, and that a sandbox claimed since this heartbeat is no longer the pool's.
/// </summary>
public sealed record HeartbeatRequestMessage(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("specs")] HostSpecsMessage Specs,
    [property: JsonPropertyName("running_sandboxes")] int RunningSandboxes,
    [property: JsonPropertyName("pooled_vcpus")] long PooledVcpus = 0,
    [property: JsonPropertyName("pooled_memory_mb")] long PooledMemoryMb = 0,
    [property: JsonPropertyName("pool")] IReadOnlyList<HeartbeatPoolLaneMessage>? Pool = null);
