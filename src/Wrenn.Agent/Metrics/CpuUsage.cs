namespace Wrenn.Agent.Metrics;

/// <summary>CPU share from two readings of cumulative CPU time.</summary>
public static class CpuUsage
{
    /// <summary>Shorter than this since the last reading, its share stands: a few milliseconds measure nothing.</summary>
    public static readonly TimeSpan ShortestInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The share used since <paramref name="previous"/>; since <paramref name="startedAt"/> without one
    /// or when the counter went back (a sandbox resumed from a snapshot starts it again).
    /// </summary>
    public static double Since(MetricsSample? previous, DateTimeOffset startedAt, TimeSpan cpuNow, DateTimeOffset now, uint vcpus)
    {
        if (previous is null || previous.CpuTime > cpuNow)
        {
            return Percent(TimeSpan.Zero, startedAt, cpuNow, now, vcpus);
        }

        return now - previous.Timestamp < ShortestInterval
            ? previous.CpuUsedPct
            : Percent(previous.CpuTime, previous.Timestamp, cpuNow, now, vcpus);
    }

    /// <summary>
    /// Percent of <paramref name="vcpus"/> used between the two readings, rounded to 2 places and
    /// clamped to 0..100 (a counter that went back, e.g. after a restore, reads as 0).
    /// </summary>
    public static double Percent(TimeSpan cpuBefore, DateTimeOffset at, TimeSpan cpuNow, DateTimeOffset now, uint vcpus)
    {
        var wall = now - at;
        var cpu = cpuNow - cpuBefore;
        if (wall <= TimeSpan.Zero || cpu <= TimeSpan.Zero)
        {
            return 0;
        }

        var pct = 100 * (cpu / wall) / Math.Max(1u, vcpus);
        return Math.Round(Math.Min(100, pct), 2);
    }
}
