using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>/dev/kvm with hardware virtualization: Firecracker needs it; QEMU runs without it, emulated and slow; containers do not use it.</summary>
public sealed class KvmCheck : IHostCheck
{
    private const string Fix = "turn on virtualization (VT-x/AMD-V) in the firmware and modprobe kvm_intel or kvm_amd; in a cloud VM, pick a type with nested virtualization";

    public string Name => "kvm";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        var opens = probe.CanOpenReadWrite(RuntimeChoice.KvmDevice);
        if (opens && RuntimeChoice.HasHardwareVirtualization(probe.ReadText(RuntimeChoice.CpuInfo)))
        {
            return Task.FromResult(HostCheckResult.Ok(Name, $"{RuntimeChoice.KvmDevice} opens and the CPU has hardware virtualization"));
        }

        var why = opens ? $"{RuntimeChoice.KvmDevice} opens but the CPU has no hardware virtualization (no vmx or svm flag in {RuntimeChoice.CpuInfo}: a KVM such as PVM, which runs only guests built for it)"
            : probe.Exists(RuntimeChoice.KvmDevice) ? $"{RuntimeChoice.KvmDevice} does not open for this user"
            : $"no {RuntimeChoice.KvmDevice}";
        return Task.FromResult(settings.Runtime switch
        {
            RuntimeChoice.Firecracker => HostCheckResult.Missing(Name, $"{why}: firecracker cannot run without KVM", Fix),
            RuntimeChoice.Qemu => HostCheckResult.Warning(Name, $"{why}: VMs run under software emulation, several times slower", Fix),
            _ => HostCheckResult.Skipped(Name, $"{why} (containers do not need it; with it, {WrennEnvironment.Runtime}=auto would choose qemu)"),
        });
    }
}
