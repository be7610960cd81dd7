namespace Wrenn.Common.Doctor.Checks;

/// <summary>overlayfs: a container sandbox's root is its image under an overlay with its own upper layer (the VM runtimes build disk images from such trees too).</summary>
public sealed class OverlayfsCheck : IHostCheck
{
    public string Name => "overlayfs";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        var filesystems = probe.ReadText("/proc/filesystems") ?? string.Empty;
        if (filesystems.Split('\n').Any(line => line.Trim().EndsWith("overlay", StringComparison.Ordinal)))
        {
            return Task.FromResult(HostCheckResult.Ok(Name, "the kernel has overlayfs"));
        }

        return Task.FromResult(KernelFeature.Has(probe, "overlay", "CONFIG_OVERLAY_FS", "ovl_") switch
        {
            true => HostCheckResult.Ok(Name, "overlayfs is a module, loaded on the first mount"),
            false => HostCheckResult.Missing(Name, "the kernel has no overlayfs", "boot a kernel with CONFIG_OVERLAY_FS (Debian's linux-image-amd64 has it), then: modprobe overlay"),
            null => HostCheckResult.Warning(Name, "overlayfs is not loaded and the kernel's module list cannot be read", "modprobe overlay (it must then appear in /proc/filesystems)"),
        });
    }
}
