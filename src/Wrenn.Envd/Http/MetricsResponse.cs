using System.Text.Json.Serialization;

namespace Wrenn.Envd.Http;

/// <summary>Body of GET /metrics: what the sandbox uses now.</summary>
public sealed record MetricsResponse(
    [property: JsonPropertyName("ts")] long Timestamp,
    [property: JsonPropertyName("cpu_count")] int CpuCount,
    [property: JsonPropertyName("cpu_used_pct")] double CpuUsedPercent,
    [property: JsonPropertyName("mem_total")] long MemoryTotalBytes,
    [property: JsonPropertyName("mem_used")] long MemoryUsedBytes,
    [property: JsonPropertyName("mem_cache")] long MemoryCacheBytes,
    [property: JsonPropertyName("mem_total_mib")] long MemoryTotalMib,
    [property: JsonPropertyName("mem_used_mib")] long MemoryUsedMib,
    [property: JsonPropertyName("disk_used")] long DiskUsedBytes,
    [property: JsonPropertyName("disk_total")] long DiskTotalBytes);
