namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>A sandbox as every face may show it. Times are UTC.</summary>
/// <param name="State">One of <see cref="Data.Entities.SandboxStates"/> (E2B shows running and paused; a stopped one is gone for it).</param>
/// <param name="DiskSizeMb">Null while the host does not report it.</param>
/// <param name="InactivityTimeoutSec">0 = never paused for inactivity.</param>
/// <param name="StartedAt">When it last started or resumed.</param>
/// <param name="EndAt">When it is killed (or paused, with <paramref name="AutoPause"/>); null = never.</param>
/// <param name="LifetimeSec">The lifetime last asked for; a resume without one applies it again.</param>
/// <param name="EnvdAccessToken">The token envd in this sandbox wants (X-Access-Token); null when the host's envd needs none.</param>
/// <param name="TrafficAccessToken">Set when proxied traffic must carry it (e2b-traffic-access-token).</param>
public sealed record SandboxDetails(
    string Id,
    string TeamId,
    string Template,
    string State,
    int Vcpus,
    int MemoryMb,
    int? DiskSizeMb,
    int InactivityTimeoutSec,
    DateTime CreatedAt,
    DateTime StartedAt,
    DateTime LastActiveAt,
    DateTime? EndAt,
    int? LifetimeSec,
    DateTime? StoppedAt,
    IReadOnlyDictionary<string, string> Metadata,
    string? EnvdAccessToken,
    string? EnvdVersion,
    string? TrafficAccessToken,
    bool AutoPause,
    bool AutoResume,
    string HostId);
