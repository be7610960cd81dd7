using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>The guest kernel QEMU boots, in $WRENN_DIR/kernels.</summary>
public sealed class GuestKernelCheck : IHostCheck
{
    /// <summary>`wrenn up` leaves this check out: it fetches the kernel itself.</summary>
    public const string CheckName = "guest kernel";

    public string Name => CheckName;

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.Runtime != RuntimeChoice.Qemu)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, $"not needed by the {settings.Runtime} runtime"));
        }

        var kernels = new WrennLayout(settings.WrennDir).Kernels;
        var found = probe.ListFiles(kernels, "vmlinuz*");
        return Task.FromResult(found.Count > 0
            ? HostCheckResult.Ok(Name, found[0])
            : HostCheckResult.Missing(Name, $"no guest kernel in {kernels}", "wrenn image kernel (wrenn up does it by itself)"));
    }
}
