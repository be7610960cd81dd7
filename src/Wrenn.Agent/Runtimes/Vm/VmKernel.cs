namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>A guest kernel (and the initramfs that loads its virtio modules, when it needs one).</summary>
public sealed record VmKernel(string Version, string KernelPath, string? InitrdPath);
