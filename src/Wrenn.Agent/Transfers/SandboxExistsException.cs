namespace Wrenn.Agent.Transfers;

/// <summary>A sandbox cannot be taken over from another host: this host already holds one with its id.</summary>
public sealed class SandboxExistsException(string sandboxId)
    : Exception($"sandbox {sandboxId} is already on this host")
{
    public string SandboxId { get; } = sandboxId;
}
