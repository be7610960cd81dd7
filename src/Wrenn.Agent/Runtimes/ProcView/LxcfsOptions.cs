namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>Settings of the lxcfs mount container sandboxes read their /proc views from (WRENN_LXCFS).</summary>
public sealed class LxcfsOptions
{
    /// <summary>False (WRENN_LXCFS=off): sandboxes see the host's /proc files.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The lxcfs binary (Debian's lxcfs package).</summary>
    public string Binary { get; set; } = "lxcfs";

    /// <summary>
    /// An lxcfs mount someone else runs (Debian's lxcfs service mounts /var/lib/lxcfs): used when it is live,
    /// since it outlives the agent. Null with <see cref="MountPoint"/> set to a path given in WRENN_LXCFS.
    /// </summary>
    public string? SystemMountPoint { get; set; } = "/var/lib/lxcfs";

    /// <summary>
    /// Where the agent mounts its own lxcfs when there is no system one; null = $WRENN_DIR/lxcfs.
    /// WRENN_LXCFS=/path makes this the only mount used, and the agent starts none of its own there.
    /// </summary>
    public string? MountPoint { get; set; }

    /// <summary>True when <see cref="MountPoint"/> was given: the agent uses that mount and never starts or stops lxcfs.</summary>
    public bool External { get; set; }
}
