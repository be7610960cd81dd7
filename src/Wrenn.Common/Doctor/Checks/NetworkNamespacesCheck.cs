namespace Wrenn.Common.Doctor.Checks;

/// <summary>Network namespaces: every sandbox has its own, joined to the host by a veth pair.</summary>
public sealed class NetworkNamespacesCheck : IHostCheck
{
    public string Name => "network namespaces";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        var max = probe.ReadText("/proc/sys/user/max_net_namespaces")?.Trim();
        if (!probe.Exists("/proc/self/ns/net") || max == "0")
        {
            return Task.FromResult(HostCheckResult.Missing(Name, "the kernel allows no network namespaces", "boot a kernel with CONFIG_NET_NS, and sysctl -w user.max_net_namespaces=15000 if it is 0"));
        }

        return Task.FromResult(HostCheckResult.Ok(Name, $"allowed (user.max_net_namespaces={max ?? "?"})"));
    }
}
