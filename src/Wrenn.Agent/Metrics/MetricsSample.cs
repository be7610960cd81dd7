namespace Wrenn.Agent.Metrics;

/// <summary>
/// One reading of a sandbox: CPU share over the interval before it (percent of its vcpus), its
/// cumulative CPU time, memory and disk.
/// </summary>
public sealed record MetricsSample(
    DateTimeOffset Timestamp,
    double CpuUsedPct,
    TimeSpan CpuTime,
    uint CpuCount,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    long DiskUsedBytes);
