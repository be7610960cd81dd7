namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// What the agent writes to $WRENN_DIR/sandboxes/&lt;id&gt;/sandbox.json, so that what a sandbox holds
/// on the host (network slot, mounts, container) can be found again after the agent dies.
/// </summary>
public sealed record SandboxRecord(
    string SandboxId,
    string Template,
    string Runtime,
    int SlotIndex,
    uint Vcpus,
    uint MemoryMb,
    uint TimeoutSec,
    DateTimeOffset StartedAt,
    bool Paused = false)
{
    public const string FileName = "sandbox.json";
}
