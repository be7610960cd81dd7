using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>Which runtime runs sandboxes here, and why when WRENN_RUNTIME=auto chose it.</summary>
public sealed class RuntimeCheck : IHostCheck
{
    public string Name => "runtime";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.Runtime is not (RuntimeChoice.Container or RuntimeChoice.Qemu or RuntimeChoice.Firecracker))
        {
            return Task.FromResult(HostCheckResult.Missing(Name, $"{WrennEnvironment.Runtime}={settings.RequestedRuntime} is not a runtime", $"set {WrennEnvironment.Runtime} to auto, container, qemu or firecracker"));
        }

        var why = settings.RequestedRuntime.Trim().Equals(RuntimeChoice.Auto, StringComparison.OrdinalIgnoreCase)
            ? settings.Runtime == RuntimeChoice.Qemu
                ? $" ({WrennEnvironment.Runtime}=auto: {RuntimeChoice.KvmDevice} opens, the CPU has hardware virtualization and QEMU is installed)"
                : $" ({WrennEnvironment.Runtime}=auto: no usable {RuntimeChoice.KvmDevice} with QEMU installed)"
            : string.Empty;
        return Task.FromResult(HostCheckResult.Ok(Name, settings.Runtime + why));
    }
}
