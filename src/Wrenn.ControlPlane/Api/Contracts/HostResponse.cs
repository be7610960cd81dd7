namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A host as admins see it; <see cref="Drain"/> only on a draining host, and only where one host is asked for (GET, drain).</summary>
public sealed record HostResponse(
    string Id,
    string State,
    string Address,
    string Runtime,
    string Arch,
    int Cpus,
    long MemoryMb,
    long DiskMb,
    int RunningSandboxes,
    DateTime CreatedAt,
    DateTime? LastSeenAt,
    bool Draining,
    HostDrainResponse? Drain = null);
