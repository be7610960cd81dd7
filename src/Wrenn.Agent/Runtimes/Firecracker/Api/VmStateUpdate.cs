namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PATCH /vm</c> (post-boot only): pauses or resumes the vCPUs.</summary>
public sealed record VmStateUpdate(VmState State);
