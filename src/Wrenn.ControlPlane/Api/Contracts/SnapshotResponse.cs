namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A template as the API shows it.</summary>
public sealed record SnapshotResponse(
    string Name,
    string SourceSandboxId,
    string BaseTemplate,
    int Vcpus,
    int MemoryMb,
    long SizeBytes,
    bool KeepsMemory,
    string HostId,
    DateTime CreatedAt);
