namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>How a VM's guest RAM is held.</summary>
public enum GuestRam
{
    /// <summary>QEMU's own anonymous memory: saved whole into the state stream (VMs from templates made before file-backed RAM).</summary>
    Anonymous,

    /// <summary>The VM's own file, mapped shared: a pause writes device state only.</summary>
    Shared,

    /// <summary>A template's RAM mapped privately: pages no clone has written are shared by all its clones.</summary>
    Private,
}
