namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// What a VM was booted with (<c>vm.json</c> beside its disk). A VM restored from memory must be given
/// the same kernel as the one whose memory it holds, so templates carry this along.
/// </summary>
/// <param name="KernelVersion">The guest kernel's version, for logs and for users.</param>
/// <param name="KernelPath">The kernel image QEMU loaded.</param>
/// <param name="InitrdPath">The initramfs, if the kernel needed one.</param>
/// <param name="CommandLine">The kernel command line.</param>
public sealed record VmBoot(string KernelVersion, string KernelPath, string? InitrdPath, string CommandLine);
