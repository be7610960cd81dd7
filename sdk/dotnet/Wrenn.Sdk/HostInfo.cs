namespace Wrenn.Sdk;

/// <summary>A host that runs sandboxes, as administrators see it.</summary>
/// <param name="Id">"host-" and its hex digits.</param>
/// <param name="State">pending (not registered yet), ready, draining (gets no new sandboxes) or unreachable.</param>
/// <param name="Address">Where the control plane reaches its agent (empty until it registers).</param>
/// <param name="Runtime">The runtime its sandboxes run in (container, qemu or firecracker).</param>
/// <param name="Arch">Its CPU architecture.</param>
/// <param name="Cpus">Its CPUs.</param>
/// <param name="MemoryMb">Its memory in MiB.</param>
/// <param name="DiskMb">Its disk for sandboxes in MiB.</param>
/// <param name="RunningSandboxes">Sandboxes running on it at its last heartbeat.</param>
/// <param name="CreatedAt">When it was added.</param>
/// <param name="LastSeenAt">Its last heartbeat (null before it registered).</param>
public sealed record HostInfo(
    string Id,
    string State,
    string Address,
    string Runtime,
    string Arch,
    int Cpus,
    long MemoryMb,
    long DiskMb,
    int RunningSandboxes,
    DateTime CreatedAt,
    DateTime? LastSeenAt)
{
    /// <summary>True while it is drained (<see cref="WrennHosts.DrainAsync"/>), also when it is unreachable besides.</summary>
    public bool Draining { get; init; }

    /// <summary>While it drains, and only from <see cref="WrennHosts.GetAsync"/> and the drain calls: what is still on it; null otherwise.</summary>
    public HostDrainInfo? Drain { get; init; }
}
