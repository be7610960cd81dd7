namespace Wrenn.Agent.Storage;

/// <summary>How big a sandbox's writable layer may grow.</summary>
public sealed class SandboxDiskOptions
{
    /// <summary>
    /// MiB of each sandbox's disk ($WRENN_SANDBOX_DISK_MB); 0 = no cap. The file is sparse: a sandbox
    /// costs the host only what it writes, but can never write more than this.
    /// </summary>
    public long SizeMb { get; set; } = 4096;

    /// <summary>
    /// Disks kept made and formatted ahead ($WRENN_PREPARED_DISKS; the agent's default is 2), each given to
    /// one sandbox and never reused. 0 here, so a <see cref="SandboxDisk"/> built by hand formats on demand.
    /// </summary>
    public int Prepared { get; set; }

    /// <summary>
    /// MiB of the host's disk holding $WRENN_DIR that file writes into sandboxes leave free
    /// ($WRENN_HOST_DISK_RESERVE_MB): an upload that would pass it is refused with 507, so what the sandboxes
    /// write themselves (their disks are sparse) still finds blocks. 0 = writes may fill the host.
    /// </summary>
    public long HostReserveMb { get; set; } = 128;
}
