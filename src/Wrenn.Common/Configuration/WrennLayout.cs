namespace Wrenn.Common.Configuration;

/// <summary>
/// Where everything lives under $WRENN_DIR. The one place its directory names are spelled: the agent's
/// runtimes, the control plane, `wrenn up`, `wrenn image` and `wrenn doctor` all ask this type, so a
/// rename cannot leave one of them looking in the old place.
/// </summary>
/// <param name="Root">$WRENN_DIR itself.</param>
public sealed record WrennLayout(string Root)
{
    /// <summary>Base images, one directory each (`wrenn image build`).</summary>
    public string Images => Path.Combine(Root, "images");

    /// <summary>Guest kernels the VM runtimes boot (`wrenn image kernel`).</summary>
    public string Kernels => Path.Combine(Root, "kernels");

    /// <summary>One directory per sandbox on this host: bundle, disk, console log, record.</summary>
    public string Sandboxes => Path.Combine(Root, "sandboxes");

    /// <summary>Templates made from sandboxes.</summary>
    public string Templates => Path.Combine(Root, "templates");

    /// <summary>Paused VMs' memory and device state, one directory per sandbox, and the base snapshots.</summary>
    public string Snapshots => Path.Combine(Root, "snapshots");

    /// <summary>Booted-once VMs of each image that new VMs are restored from.</summary>
    public string BaseSnapshots => Path.Combine(Snapshots, "base");

    /// <summary>The daemons' logs under `wrenn up`.</summary>
    public string Logs => Path.Combine(Root, "logs");

    /// <summary>Markers of network slots made ahead (so a restart after a crash can remove them).</summary>
    public string PreparedSlots => Path.Combine(Root, "prepared", "slots");

    /// <summary>Sandbox disks formatted ahead.</summary>
    public string PreparedDisks => Path.Combine(Root, "prepared", "disks");

    /// <summary>The lxcfs mount the agent makes itself when the system has none.</summary>
    public string Lxcfs => Path.Combine(Root, "lxcfs");

    /// <summary>The control plane's database when DATABASE_URL is unset.</summary>
    public string SqliteDatabase => Path.Combine(Root, "wrenn.db");

    /// <summary>The directory of one sandbox.</summary>
    public string Sandbox(string sandboxId) => Path.Combine(Sandboxes, sandboxId);

    /// <summary>The snapshot directory of one sandbox (a paused VM's memory and state).</summary>
    public string Snapshot(string sandboxId) => Path.Combine(Snapshots, sandboxId);

    /// <summary>The layout of $WRENN_DIR as this process's environment sets it.</summary>
    public static WrennLayout FromEnvironment() => new(WrennEnvironment.Get(WrennEnvironment.Dir, WrennEnvironment.DefaultDir));
}
