namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>One sample of a sandbox's use. CPU is the average over its life, as a share of its vcpus.</summary>
public sealed record SandboxMetrics(
    DateTime Timestamp,
    double CpuUsedPct,
    int CpuCount,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    long DiskUsedBytes,
    long DiskTotalBytes);
