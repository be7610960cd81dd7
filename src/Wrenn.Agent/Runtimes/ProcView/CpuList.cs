using System.Globalization;
using System.Text;

namespace Wrenn.Agent.Runtimes.ProcView;

/// <summary>The kernel's CPU list format ("0-3,6"), as in cpuset.cpus and /sys/devices/system/cpu/online.</summary>
public static class CpuList
{
    public static IReadOnlyList<int> Parse(string text)
    {
        var cpus = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                cpus.Add(int.Parse(part, CultureInfo.InvariantCulture));
                continue;
            }

            var first = int.Parse(part.AsSpan(0, dash), CultureInfo.InvariantCulture);
            var last = int.Parse(part.AsSpan(dash + 1), CultureInfo.InvariantCulture);
            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    public static string Format(IEnumerable<int> cpus)
    {
        var sorted = cpus.Distinct().Order().ToArray();
        var text = new StringBuilder();
        for (var i = 0; i < sorted.Length;)
        {
            var last = i;
            while (last + 1 < sorted.Length && sorted[last + 1] == sorted[last] + 1)
            {
                last++;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(sorted[i].ToString(CultureInfo.InvariantCulture));
            if (last > i)
            {
                text.Append('-').Append(sorted[last].ToString(CultureInfo.InvariantCulture));
            }

            i = last + 1;
        }

        return text.ToString();
    }
}
