namespace Wrenn.Agent.Sandboxes;

/// <summary>This host has no sandbox with that id.</summary>
public sealed class SandboxNotFoundException(string sandboxId)
    : Exception($"sandbox {sandboxId} is not on this host")
{
    public string SandboxId { get; } = sandboxId;
}
