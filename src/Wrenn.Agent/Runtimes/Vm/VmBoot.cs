namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>
/// What a VM was booted with (<c>vm.json</c> beside its disk). A VM restored from memory must be given
/// the same kernel as the one whose memory it holds, so templates carry this along.
/// </summary>
/// <param name="KernelVersion">The guest kernel's version, for logs and for users.</param>
/// <param name="KernelPath">The kernel image QEMU loaded.</param>
/// <param name="InitrdPath">The initramfs, if the kernel needed one.</param>
/// <param name="CommandLine">The kernel command line.</param>
/// <param name="EntropyDevice">
/// The VM has a virtio-rng device fed from the host. False in the vm.json of VMs booted before the device
/// was added: their saved memory knows no such device, so they are restored without one.
/// </param>
public sealed record VmBoot(string KernelVersion, string KernelPath, string? InitrdPath, string CommandLine, bool EntropyDevice = false)
{
    public const string FileName = "vm.json";

    /// <summary>The boot a template or snapshot in <paramref name="directory"/> was taken from; its kernel must still be there.</summary>
    public static async Task<VmBoot> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var boot = System.Text.Json.JsonSerializer.Deserialize(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), AgentJsonContext.Default.VmBoot)
            ?? throw new InvalidOperationException($"{path} is empty");
        return File.Exists(boot.KernelPath)
            ? boot
            : throw new KernelNotFoundException($"the kernel {boot.KernelPath} ({boot.KernelVersion}) that {directory} was taken with is gone; its memory cannot run on another");
    }
}
