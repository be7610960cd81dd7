namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>
/// /sys/devices/system/cpu/online for a pinned sandbox, written by the agent rather than read from lxcfs. Every .NET
/// program (envd first of all, before it answers) and glibc's sysconf read it at their start, and a read through lxcfs
/// costs a FUSE round trip in which lxcfs looks the reader's cgroups up: 4–6 ms of envd's start on this project's
/// 2-core test machine. Its text depends only on the sandbox's cpuset, fixed when the container is made: the agent's
/// lxcfs (--enable-cfs) numbers the sandbox's CPUs from 0 ("0" for one vCPU, "0-1" for two), and so does this file.
/// </summary>
public static class OnlineCpusFile
{
    public const string Destination = "/sys/devices/system/cpu/online";

    /// <summary>Its name in the sandbox's directory.</summary>
    public const string Name = "view-cpu-online";

    /// <summary>The file for a sandbox pinned to <paramref name="cpus"/> (a cpuset list).</summary>
    public static WrittenViewFile For(string cpus) =>
        new(Name, Destination, CpuList.Format(Enumerable.Range(0, CpuList.Parse(cpus).Count)) + "\n");
}
