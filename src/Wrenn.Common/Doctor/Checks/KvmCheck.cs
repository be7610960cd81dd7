using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>/dev/kvm: Firecracker needs it; QEMU runs without it, emulated and slow; containers do not use it.</summary>
public sealed class KvmCheck : IHostCheck
{
    private const string Fix = "turn on virtualization (VT-x/AMD-V) in the firmware and modprobe kvm_intel or kvm_amd; in a cloud VM, pick a type with nested virtualization";

    public string Name => "kvm";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (probe.CanOpenReadWrite(RuntimeChoice.KvmDevice))
        {
            return Task.FromResult(HostCheckResult.Ok(Name, $"{RuntimeChoice.KvmDevice} opens"));
        }

        var why = probe.Exists(RuntimeChoice.KvmDevice) ? $"{RuntimeChoice.KvmDevice} does not open for this user" : $"no {RuntimeChoice.KvmDevice}";
        return Task.FromResult(settings.Runtime switch
        {
            RuntimeChoice.Firecracker => HostCheckResult.Missing(Name, $"{why}: firecracker cannot run without KVM", Fix),
            RuntimeChoice.Qemu => HostCheckResult.Warning(Name, $"{why}: VMs run under software emulation, several times slower", Fix),
            _ => HostCheckResult.Skipped(Name, $"{why} (containers do not need it; with it, {WrennEnvironment.Runtime}=auto would choose qemu)"),
        });
    }
}
