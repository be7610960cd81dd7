namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>A sandbox as the API shows it.</summary>
/// <param name="TimeoutSec">Inactivity timeout; 0 = never paused for inactivity.</param>
/// <param name="EndAt">When it is killed (or paused, with auto_pause); null = never.</param>
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
    DateTime LastActiveAt,
    DateTime? EndAt,
    bool AutoPause,
    bool AutoResume);
