namespace Wrenn.Common.Doctor.Checks;

/// <summary>/dev/net/tun: a VM's network card is a TAP device in its sandbox's namespace.</summary>
public sealed class TunCheck : IHostCheck
{
    public const string Device = "/dev/net/tun";

    public string Name => "tun";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (!settings.IsVmRuntime)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, "not needed by container sandboxes"));
        }

        return Task.FromResult(probe.Exists(Device)
            ? HostCheckResult.Ok(Name, $"{Device} is there")
            : HostCheckResult.Missing(Name, $"{Device} is missing, so VMs get no network card", $"modprobe tun (a kernel with CONFIG_TUN); in a container: mkdir -p /dev/net && mknod {Device} c 10 200"));
    }
}
