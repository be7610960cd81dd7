namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>Body of GET /v1/sandboxes/{id}/metrics. CPU is the average over the sandbox's life, as a share of its vcpus.</summary>
public sealed record SandboxMetricsResponse(
    double CpuUsedPct,
    int CpuCount,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    long DiskUsedBytes);
