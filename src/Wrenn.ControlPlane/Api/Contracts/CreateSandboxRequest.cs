namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of POST /v1/sandboxes; every field is optional.</summary>
/// <param name="TimeoutSec">Inactivity: seconds without use before the host pauses it; 0 or absent = never.</param>
/// <param name="LifetimeSec">End time from now: at it the sandbox is killed (or paused with <paramref name="AutoPause"/>); 0 or absent = no end.</param>
/// <param name="AutoPause">At the end time pause instead of kill.</param>
/// <param name="AutoResume">Paused, resume on the next exec, file call, connect or proxied request.</param>
public sealed record CreateSandboxRequest(
    string? Template,
    int? Vcpus,
    int? MemoryMb,
    int? TimeoutSec,
    Dictionary<string, string>? Metadata,
    Dictionary<string, string>? Env,
    int? LifetimeSec = null,
    bool? AutoPause = null,
    bool? AutoResume = null);
