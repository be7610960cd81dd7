namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>
/// Body of <c>PUT /machine-config</c> (pre-boot only). Firecracker resets every field left out to its
/// default, so <see cref="TrackDirtyPages"/> is always sent: diff snapshots rely on it.
/// </summary>
public sealed record MachineConfiguration(int VcpuCount, int MemSizeMib, bool? Smt = null, bool TrackDirtyPages = false);
