using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>User namespaces: container sandbox root is an unprivileged host id, or the agent refuses to make containers.</summary>
public sealed class UserNamespacesCheck : IHostCheck
{
    public string Name => "user namespaces";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.IsVmRuntime)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, "not needed by VM sandboxes"));
        }

        if (settings.SandboxUserNamespace.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(HostCheckResult.Warning(Name, $"off ({WrennEnvironment.SandboxUserNamespace}=off): sandbox root is host root", $"unset {WrennEnvironment.SandboxUserNamespace} (or set it to auto)"));
        }

        var max = probe.ReadText("/proc/sys/user/max_user_namespaces")?.Trim();
        if (!probe.Exists("/proc/self/ns/user") || max == "0")
        {
            return Task.FromResult(HostCheckResult.Missing(
                Name,
                "the kernel allows no user namespaces, so the agent refuses to create container sandboxes",
                $"sysctl -w user.max_user_namespaces=15000 (and the same in /etc/sysctl.d/), or {WrennEnvironment.SandboxUserNamespace}=off to run sandbox root as host root"));
        }

        return Task.FromResult(HostCheckResult.Ok(Name, $"allowed (user.max_user_namespaces={max ?? "?"})"));
    }
}
