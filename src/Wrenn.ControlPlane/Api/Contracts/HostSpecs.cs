namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>What an agent says about its machine at registration and on every heartbeat.</summary>
public sealed record HostSpecs(string? Arch, int? Cpus, long? MemoryMb, long? DiskMb, string? Runtime, string? AgentVersion);
