using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor.Checks;

/// <summary>lxcfs: container sandboxes see their own memory and CPUs in /proc (WRENN_LXCFS).</summary>
public sealed class LxcfsCheck : IHostCheck
{
    public const string SystemMount = "/var/lib/lxcfs";

    public string Name => "lxcfs";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (settings.Runtime != RuntimeChoice.Container)
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, "not needed by VM sandboxes (a guest has its own /proc)"));
        }

        var setting = settings.Lxcfs.Trim();
        if (setting.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(HostCheckResult.Skipped(Name, $"off ({WrennEnvironment.Lxcfs}=off): sandboxes see the host's memory and CPUs"));
        }

        if (setting.StartsWith('/'))
        {
            return Task.FromResult(probe.Exists(Path.Combine(setting, "proc", "meminfo"))
                ? HostCheckResult.Ok(Name, $"mounted at {setting}")
                : HostCheckResult.Missing(Name, $"{setting} ({WrennEnvironment.Lxcfs}) is not an lxcfs mount: it has no proc/meminfo", $"mount lxcfs there, or set {WrennEnvironment.Lxcfs}=auto"));
        }

        if (probe.Exists(Path.Combine(SystemMount, "proc", "meminfo")))
        {
            return Task.FromResult(HostCheckResult.Ok(Name, $"the system's lxcfs at {SystemMount}"));
        }

        return Task.FromResult(probe.FindProgram("lxcfs") is { } path
            ? HostCheckResult.Ok(Name, $"{path} (the agent mounts its own)")
            : HostCheckResult.Warning(Name, "not installed: sandboxes are made, but free, nproc and os.cpu_count() show the host's memory and CPUs", "apt-get install lxcfs"));
    }
}
