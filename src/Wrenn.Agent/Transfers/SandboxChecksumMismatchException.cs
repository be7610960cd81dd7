namespace Wrenn.Agent.Transfers;

/// <summary>A sandbox archive's bytes are not the ones its header describes: damaged or cut short on the way.</summary>
public sealed class SandboxChecksumMismatchException(string sandboxId, string expected, string actual)
    : Exception($"the archive of sandbox {sandboxId} does not match its checksum: expected {expected}, got {actual}; nothing was kept")
{
    public string SandboxId { get; } = sandboxId;
}
