using Wrenn.ControlPlane.Data.Entities;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>A host that may take a sandbox, with what is placed on it now (live sandboxes plus its warm pool).</summary>
public sealed record HostCandidate(HostEntity Host, int UsedVcpus, long UsedMemoryMb, int Sandboxes);
