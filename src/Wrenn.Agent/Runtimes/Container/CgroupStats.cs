using System.Globalization;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>Reads a container's CPU and memory use from its cgroup, on cgroup v1 or v2.</summary>
public static class CgroupStats
{
    private const string Root = "/sys/fs/cgroup";

    public static (TimeSpan CpuTime, long MemoryUsed, long MemoryLimit) Read(string cgroupPath)
    {
        var relative = cgroupPath.Trim('/');
        if (File.Exists(Path.Combine(Root, "cgroup.controllers")))
        {
            var group = Path.Combine(Root, relative);
            var usageMicroseconds = ReadKeyed(Path.Combine(group, "cpu.stat"), "usage_usec");
            var limitText = ReadText(Path.Combine(group, "memory.max"));
            return (
                TimeSpan.FromMicroseconds(usageMicroseconds),
                ReadLong(Path.Combine(group, "memory.current")),
                limitText is null or "max" ? 0 : long.Parse(limitText, CultureInfo.InvariantCulture));
        }

        var cpuNanoseconds = ReadLong(Path.Combine(Root, "cpuacct", relative, "cpuacct.usage"));
        return (
            TimeSpan.FromTicks(cpuNanoseconds / 100),
            ReadLong(Path.Combine(Root, "memory", relative, "memory.usage_in_bytes")),
            ReadLong(Path.Combine(Root, "memory", relative, "memory.limit_in_bytes")));
    }

    private static string? ReadText(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    private static long ReadLong(string path) =>
        ReadText(path) is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static long ReadKeyed(string path, string key)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(' ');
            if (fields.Length == 2 && fields[0] == key && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return 0;
    }
}
