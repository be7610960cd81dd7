namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A sandbox as the API shows it.</summary>
public sealed record SandboxResponse(
    string Id,
    string State,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    IReadOnlyDictionary<string, string> Metadata,
    string HostId,
    DateTime CreatedAt,
    DateTime LastActiveAt);
