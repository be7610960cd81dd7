using System.Globalization;

namespace Wrenn.Agent.Runtimes.Vm;

/// <summary>What a VM's host process uses: its CPU time and resident memory, read from /proc.</summary>
public static class VmProcessUsage
{
    public static RuntimeUsage Read(int? pid, long memoryLimitBytes)
    {
        if (pid is not { } id || !File.Exists($"/proc/{id}/stat"))
        {
            return new RuntimeUsage(TimeSpan.Zero, 0, memoryLimitBytes);
        }

        try
        {
            // /proc/<pid>/stat: utime and stime (fields 14 and 15) in clock ticks of 1/100 s; the name in
            // field 2 may hold spaces, so count from the closing parenthesis.
            var stat = File.ReadAllText($"/proc/{id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var rss = File.ReadLines($"/proc/{id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) is { } line
                ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024
                : 0;
            return new RuntimeUsage(TimeSpan.FromMilliseconds(ticks * 10), rss, memoryLimitBytes);
        }
        catch (IOException)
        {
            // It exited while being read.
            return new RuntimeUsage(TimeSpan.Zero, 0, memoryLimitBytes);
        }
    }
}
