using Microsoft.Extensions.Options;
using Wrenn.Agent.Runtimes.Container;

namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>
/// Spreads sandboxes over the host's CPUs: each gets as many as it has vCPUs, those the fewest live sandboxes
/// use. nproc and os.cpu_count() read the affinity mask, so this is what makes them show the vCPUs.
/// Use is counted from the sandboxes' cpuset cgroups themselves, so it survives an agent restart and needs
/// no release; a choice made moments ago whose cgroup runc has not made yet is remembered for a short while.
/// </summary>
public sealed class CpuSetAllocator(IOptions<ContainerRuntimeOptions> options, TimeProvider time, ILogger<CpuSetAllocator> logger) : ICpuSetAllocator
{
    private static readonly TimeSpan PendingFor = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (IReadOnlyList<int> Cpus, long At)> _pending = new(StringComparer.Ordinal);

    /// <summary>The cgroup filesystem's root; tests point it elsewhere.</summary>
    public string CgroupRoot { get; init; } = "/sys/fs/cgroup";

    public string? Choose(string sandboxId, int vcpus)
    {
        IReadOnlyList<int> host;
        try
        {
            host = HostCpus();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            logger.EveryCpu(sandboxId, ex.Message);
            return null;
        }

        if (vcpus >= host.Count)
        {
            return null;
        }

        lock (_lock)
        {
            var use = host.ToDictionary(cpu => cpu, _ => 0);
            var live = LiveCpuSets();
            var now = time.GetTimestamp();
            foreach (var (id, pending) in _pending.ToArray())
            {
                if (live.ContainsKey(id) || time.GetElapsedTime(pending.At, now) > PendingFor)
                {
                    _pending.Remove(id);
                }
            }

            foreach (var cpus in live.Values.Concat(_pending.Values.Select(p => p.Cpus)))
            {
                foreach (var cpu in cpus.Where(use.ContainsKey))
                {
                    use[cpu]++;
                }
            }

            var chosen = use.OrderBy(u => u.Value).ThenBy(u => u.Key).Take(vcpus).Select(u => u.Key).Order().ToArray();
            _pending[sandboxId] = (chosen, now);
            return CpuList.Format(chosen);
        }
    }

    /// <summary>The CPUs sandboxes may use: the root cpuset's (v1 or v2), else every online CPU.</summary>
    private IReadOnlyList<int> HostCpus()
    {
        foreach (var file in new[] { "cpuset/cpuset.effective_cpus", "cpuset/cpuset.cpus", "cpuset.cpus.effective" })
        {
            var path = Path.Combine(CgroupRoot, file);
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } list)
            {
                return CpuList.Parse(list);
            }
        }

        return CpuList.Parse(File.ReadAllText("/sys/devices/system/cpu/online"));
    }

    /// <summary>Each live sandbox's cpuset, by sandbox id (its cgroup's name under the sandboxes' parent).</summary>
    private Dictionary<string, IReadOnlyList<int>> LiveCpuSets()
    {
        var parent = options.Value.CgroupParent.Trim('/');
        var sets = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        foreach (var directory in new[] { Path.Combine(CgroupRoot, "cpuset", parent), Path.Combine(CgroupRoot, parent) })
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var cgroup in Directory.EnumerateDirectories(directory))
            {
                try
                {
                    var file = Path.Combine(cgroup, "cpuset.cpus");
                    if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } list)
                    {
                        sets[Path.GetFileName(cgroup)] = CpuList.Parse(list);
                    }
                }
                catch (IOException)
                {
                    // The sandbox went while we looked: it uses nothing any more.
                }
            }
        }

        return sets;
    }
}
