namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>One reading in GET /v1/sandboxes/{id}/metrics' <c>samples</c>.</summary>
public sealed record SandboxMetricsSampleResponse(
    DateTime Timestamp,
    double CpuUsedPct,
    long CpuTimeTotalUs,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    long MemoryCacheBytes,
    long DiskUsedBytes,
    long DiskTotalBytes);
