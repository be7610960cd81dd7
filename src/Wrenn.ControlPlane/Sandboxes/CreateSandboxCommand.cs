namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>What a new sandbox should be.</summary>
/// <param name="Template">A team template's name or an image name; null (and E2B's "base", unless the team has a template of that name) is the default image.</param>
/// <param name="Vcpus">Null: the default, or what the template fixes.</param>
/// <param name="MemoryMb">Null: the default, or what the template fixes.</param>
/// <param name="InactivityTimeoutSec">Seconds without use before the host pauses it; null or 0 = never (Wrenn's timeout_sec).</param>
/// <param name="Lifetime">How long from now until the end time (E2B's timeout); null = no end time.</param>
/// <param name="AutoPause">At the end time pause instead of kill.</param>
/// <param name="AutoResume">Paused, it resumes on its next use (exec, files, connect, proxied request).</param>
/// <param name="Metadata">User key/value pairs, filterable in lists.</param>
/// <param name="Env">Environment variables of the sandbox's processes.</param>
/// <param name="RequireTrafficToken">Proxied traffic must carry the sandbox's traffic access token (E2B network.allowPublicTraffic = false).</param>
public sealed record CreateSandboxCommand(
    string? Template = null,
    int? Vcpus = null,
    int? MemoryMb = null,
    int? InactivityTimeoutSec = null,
    TimeSpan? Lifetime = null,
    bool AutoPause = false,
    bool AutoResume = false,
    IReadOnlyDictionary<string, string>? Metadata = null,
    IReadOnlyDictionary<string, string>? Env = null,
    bool RequireTrafficToken = false);
