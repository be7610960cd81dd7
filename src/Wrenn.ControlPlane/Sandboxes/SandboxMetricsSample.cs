namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// One reading the host keeps of a sandbox: CPU as a share of its vcpus over the interval before it,
/// cumulative CPU time in microseconds, memory (cache 0 when the runtime does not tell) and disk.
/// </summary>
public sealed record SandboxMetricsSample(
    DateTime Timestamp,
    double CpuUsedPct,
    long CpuTimeTotalUs,
    int CpuCount,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    long MemoryCacheBytes,
    long DiskUsedBytes,
    long DiskTotalBytes);
