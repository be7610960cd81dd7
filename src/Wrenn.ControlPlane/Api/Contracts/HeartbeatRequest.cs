namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// Body of POST /v1/hosts/{id}/heartbeat. <see cref="PooledVcpus"/> and <see cref="PooledMemoryMb"/>:
/// what the host's warm pool holds (absent from agents without one); <see cref="Pool"/>: how many of
/// those are ready per key (absent from agents before it).
/// </summary>
public sealed record HeartbeatRequest(string? Address, HostSpecs? Specs, int? RunningSandboxes, int? PooledVcpus = null, long? PooledMemoryMb = null, IReadOnlyList<HeartbeatPoolLane>? Pool = null);
