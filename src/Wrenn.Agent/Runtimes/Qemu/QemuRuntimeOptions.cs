namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>Settings of the QEMU runtime.</summary>
public sealed class QemuRuntimeOptions
{
    public string Binary { get; set; } = "qemu-system-x86_64";

    /// <summary>
    /// microvm: no PCI bus, no firmware scan, virtio over MMIO; boots in seconds even without KVM. The
    /// PIT and PIC stay on because under TCG the kernel needs them to calibrate its clock.
    /// </summary>
    public string Machine { get; set; } = "microvm,x-option-roms=off,rtc=on,isa-serial=on,pit=on,pic=on";

    /// <summary>How long boot may take before envd must answer is the sandbox manager's; this bounds QEMU's own start (QMP socket).</summary>
    public TimeSpan ProcessStartTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long writing the memory file on pause may take.</summary>
    public TimeSpan SnapshotTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
