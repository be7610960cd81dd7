namespace Wrenn.Agent.Storage;

/// <summary>How big a sandbox's writable layer may grow.</summary>
public sealed class SandboxDiskOptions
{
    /// <summary>
    /// MiB of each sandbox's disk ($WRENN_SANDBOX_DISK_MB); 0 = no cap. The file is sparse: a sandbox
    /// costs the host only what it writes, but can never write more than this.
    /// </summary>
    public long SizeMb { get; set; } = 4096;
}
