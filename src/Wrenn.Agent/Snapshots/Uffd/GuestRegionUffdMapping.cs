using System.Text.Json.Serialization;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// One guest memory region as Firecracker describes it to a userfaultfd page server (the JSON array
/// it sends with the descriptor): the guest memory at snapshot offset <paramref name="Offset"/>, size
/// <paramref name="Size"/>, lives in Firecracker at host address <paramref name="BaseHostVirtAddr"/>.
/// </summary>
/// <param name="BaseHostVirtAddr">Where the region starts in Firecracker's address space.</param>
/// <param name="Size">Bytes in the region.</param>
/// <param name="Offset">Where the region's bytes start in the snapshot's guest memory.</param>
/// <param name="PageSize">Page size in bytes (newer Firecracker), or null.</param>
/// <param name="PageSizeKib">Page size in KiB (older Firecracker), or null.</param>
public sealed record GuestRegionUffdMapping(
    ulong BaseHostVirtAddr,
    ulong Size,
    ulong Offset,
    ulong? PageSize = null,
    ulong? PageSizeKib = null)
{
    /// <summary>The region's page size in bytes: as sent, or the host's base page size when Firecracker did not say.</summary>
    [JsonIgnore]
    public ulong PageSizeBytes => PageSize ?? (PageSizeKib * 1024) ?? (ulong)Environment.SystemPageSize;
}
