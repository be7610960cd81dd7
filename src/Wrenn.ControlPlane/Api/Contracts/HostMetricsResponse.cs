namespace Wrenn.ControlPlane.Api.Contracts;

/// <summary>
/// GET /v1/hosts/{id}/metrics: totals over the host's live sandboxes (what they were given, what they
/// use now) and what the machine has, read live from its agent.
/// </summary>
public sealed record HostMetricsResponse(
    string HostId,
    int SandboxesRunning,
    int SandboxesPaused,
    int VcpusAllocated,
    long MemoryAllocatedBytes,
    long MemoryUsedBytes,
    long DiskUsedBytes,
    int HostCpus,
    [property: System.Text.Json.Serialization.JsonPropertyName("host_load_1m")] double HostLoad1m,
    long HostMemoryTotalBytes,
    long HostMemoryAvailableBytes,
    long HostDiskTotalBytes,
    long HostDiskFreeBytes);
