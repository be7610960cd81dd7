namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// Body of GET /v1/sandboxes/{id}/metrics: use now (CPU as a share of the sandbox's vcpus since the
/// host's last reading), and the host's readings between start and end, oldest first.
/// </summary>
public sealed record SandboxMetricsResponse(
    double CpuUsedPct,
    int CpuCount,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    long DiskUsedBytes,
    IReadOnlyList<SandboxMetricsSampleResponse> Samples);
