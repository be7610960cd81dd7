namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// One key of a host's warm pool as its last heartbeat gave it: a create for <see cref="Template"/> (a
/// template id, or an image name) with these vcpus and memory claims one of the <see cref="Ready"/> sandboxes.
/// </summary>
public sealed record HostPoolLane(string Template, int Vcpus, long MemoryMb, int Ready);
