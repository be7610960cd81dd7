namespace Wrenn.Agent.Runtimes.Firecracker.Api;

/// <summary>Body of <c>PUT /boot-source</c> (pre-boot only): the guest kernel, its command line and an optional initrd.</summary>
public sealed record BootSource(string KernelImagePath, string? BootArgs = null, string? InitrdPath = null);
