namespace Wrenn.Agent.Transfers;

/// <summary>A sandbox from another host cannot run here: another runtime, or its template or image is not here.</summary>
public sealed class SandboxImportRefusedException(string sandboxId, string reason)
    : Exception($"sandbox {sandboxId} cannot move to this host: {reason}")
{
    public string SandboxId { get; } = sandboxId;
}
