namespace Wrenn.ControlPlane.Sandboxes;

/// <summary>
/// A sandbox's use now (CPU as a share of its vcpus since the host's last reading) and the readings
/// the host kept between the asked start and end, oldest first (empty from hosts that keep none).
/// </summary>
public sealed record SandboxMetrics(
    DateTime Timestamp,
    double CpuUsedPct,
    int CpuCount,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    long DiskUsedBytes,
    long DiskTotalBytes,
    IReadOnlyList<SandboxMetricsSample> Samples);
