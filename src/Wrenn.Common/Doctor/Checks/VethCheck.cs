namespace Wrenn.Common.Doctor.Checks;

/// <summary>veth pairs join each sandbox's network namespace to the host.</summary>
public sealed class VethCheck : IHostCheck
{
    public string Name => "veth";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken) =>
        Task.FromResult(KernelFeature.Has(probe, "veth", "CONFIG_VETH", "veth_") switch
        {
            true => HostCheckResult.Ok(Name, "the kernel has veth"),
            false => HostCheckResult.Missing(Name, "the kernel has no veth driver", "boot a kernel with CONFIG_VETH (Debian's linux-image-amd64 has it), then: modprobe veth"),
            // Built in without a /sys/module entry and no module list to read (e.g. a custom kernel in a VM): cannot tell.
            null => HostCheckResult.Warning(Name, "cannot tell: veth is not loaded as a module and the kernel's module list and config are not readable (it may be built in)", "if sandbox creation fails on the veth pair: modprobe veth"),
        });
}
