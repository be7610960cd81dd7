namespace Wrenn.Common.Doctor.Checks;

/// <summary>cgroups: each sandbox's CPU, memory, process count and CPU set are limited through its own cgroup.</summary>
public sealed class CgroupsCheck : IHostCheck
{
    /// <summary>The controllers the agent writes limits to.</summary>
    public static readonly string[] Controllers = ["cpu", "cpuset", "memory", "pids"];

    public string Name => "cgroups";

    public Task<HostCheckResult> RunAsync(DoctorSettings settings, IHostProbe probe, CancellationToken cancellationToken)
    {
        if (!probe.Exists("/sys/fs/cgroup"))
        {
            return Task.FromResult(HostCheckResult.Missing(Name, "/sys/fs/cgroup is not there", "mount the cgroup filesystem: mount -t cgroup2 none /sys/fs/cgroup (systemd does it at boot)"));
        }

        var mode = probe.Exists("/sys/fs/cgroup/cgroup.controllers") ? "v2"
            : probe.Exists("/sys/fs/cgroup/unified") ? "hybrid v1+v2"
            : "v1";
        var enabled = EnabledControllers(probe);
        var missing = Controllers.Where(c => !enabled.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            return Task.FromResult(HostCheckResult.Missing(
                Name,
                $"cgroups {mode} without the {string.Join(", ", missing)} controller{(missing.Count == 1 ? string.Empty : "s")}",
                $"boot with the controllers on (kernel command line: cgroup_enable={string.Join(",", missing)}; on v2, also enable them in /sys/fs/cgroup/cgroup.subtree_control)"));
        }

        return Task.FromResult(HostCheckResult.Ok(Name, $"cgroups {mode} with {string.Join(", ", Controllers)}"));
    }

    /// <summary>Controllers /proc/cgroups lists as enabled, or those v2's root offers when /proc/cgroups is absent.</summary>
    private static HashSet<string> EnabledControllers(IHostProbe probe)
    {
        var enabled = new HashSet<string>(StringComparer.Ordinal);
        if (probe.ReadText("/proc/cgroups") is { } table)
        {
            // #subsys_name hierarchy num_cgroups enabled
            foreach (var fields in table.Split('\n').Where(l => !l.StartsWith('#')).Select(l => l.Split('\t', ' ')).Where(f => f.Length >= 4))
            {
                if (fields[^1].Trim() == "1")
                {
                    enabled.Add(fields[0]);
                }
            }
        }

        foreach (var controller in (probe.ReadText("/sys/fs/cgroup/cgroup.controllers") ?? string.Empty).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries))
        {
            enabled.Add(controller);
        }

        return enabled;
    }
}
