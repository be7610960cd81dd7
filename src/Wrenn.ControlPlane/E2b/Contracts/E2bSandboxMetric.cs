namespace Wrenn.ControlPlane.E2b.Contracts;

/// <summary>One point of GET /sandboxes/{sandboxID}/metrics (E2B's SandboxMetric).</summary>
public sealed record E2bSandboxMetric(
    DateTime Timestamp,
    long TimestampUnix,
    int CpuCount,
    double CpuUsedPct,
    long MemUsed,
    long MemTotal,
    long MemCache,
    long DiskUsed,
    long DiskTotal);
