namespace Wrenn.Envd.Http;

/// <summary>
/// Body of POST /init, as E2B's orchestrator sends it; <see cref="AccessToken"/> replaces the token
/// the call was made with. Wrenn adds <see cref="Entropy"/>: base64 bytes from the host for the guest
/// kernel's random pool (see <see cref="KernelRandom"/>), and <see cref="Hostname"/>: the name a VM's
/// envd gives its guest (see <see cref="GuestName"/>).
/// </summary>
public sealed record InitRequest(
    Dictionary<string, string>? EnvVars,
    string? AccessToken,
    DateTimeOffset? Timestamp,
    string? DefaultUser,
    string? DefaultWorkdir,
    string? Entropy = null,
    string? Hostname = null);
