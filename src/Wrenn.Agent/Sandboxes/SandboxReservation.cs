namespace Wrenn.Agent.Sandboxes;

/// <summary>The vCPUs and memory that sandboxes were given (not what they use now), as the control plane's placement counts them.</summary>
public sealed record SandboxReservation(long Vcpus, long MemoryMb);
