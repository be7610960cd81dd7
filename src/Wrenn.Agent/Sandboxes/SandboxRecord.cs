namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// What the agent writes to $WRENN_DIR/sandboxes/&lt;id&gt;/sandbox.json (mode 0600) as the sandbox
/// changes, so that a restarted agent can adopt a sandbox that still runs, or find and remove what one
/// that died held (network slot, mounts, container). <see cref="EnvdAccessToken"/> is how the agent
/// talks to the sandbox's envd; it is null until envd was initialised. <see cref="EnvdVersion"/> is the
/// E2B envd version that envd reported, so an adopted paused sandbox still knows it. <see cref="SlotIndex"/> is null
/// while a VM sandbox is paused: its memory is on disk and its network slot was given back.
/// <see cref="SandboxId"/> is the public id; the directory's name differs for a sandbox claimed from
/// the warm pool (the pool's name, which its container and files keep). <see cref="Pooled"/> marks a
/// sandbox still waiting in the pool: a restarted agent destroys those, it never adopts them.
/// <see cref="Environment"/> is what the sandbox was created with, kept so a sandbox adopted after a restart
/// can still be moved to another host with it (null in records written before it was kept).
/// </summary>
public sealed record SandboxRecord(
    string SandboxId,
    string Template,
    string Runtime,
    int? SlotIndex,
    uint Vcpus,
    uint MemoryMb,
    uint TimeoutSec,
    DateTimeOffset StartedAt,
    bool Paused = false,
    string? EnvdAccessToken = null,
    string? TeamId = null,
    string? EnvdVersion = null,
    bool Pooled = false,
    IReadOnlyDictionary<string, string>? Environment = null)
{
    public const string FileName = "sandbox.json";
}
