using System.Numerics;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>A checked region and the pages in it the guest gave back since they were last filled.</summary>
internal sealed class ServedRegion(ulong baseAddress, ulong size, ulong guestOffset, ulong pageSize)
{
    public ulong Base { get; } = baseAddress;

    public ulong Size { get; } = size;

    public ulong GuestOffset { get; } = guestOffset;

    public ulong PageSize { get; } = pageSize;

    public BlockBitmap Removed { get; } = new((long)(size / pageSize));

    /// <summary>The region, after checking it is page-aligned and inside the snapshot's memory.</summary>
    public static ServedRegion Checked(GuestRegionUffdMapping region, SnapshotHeader header)
    {
        var pageSize = region.PageSizeBytes;
        if (!BitOperations.IsPow2(pageSize) || pageSize < (ulong)Environment.SystemPageSize || pageSize > SnapshotHeader.MaxBlockSize)
        {
            throw new ArgumentException($"region {region}: page size {pageSize} is not a supported page size");
        }

        if (region.Size == 0 || (region.BaseHostVirtAddr | region.Size | region.Offset) % pageSize != 0)
        {
            throw new ArgumentException($"region {region}: empty, or not aligned to its {pageSize}-byte pages");
        }

        if (region.Offset > (ulong)header.MemorySize || region.Size > (ulong)header.MemorySize - region.Offset)
        {
            throw new ArgumentException($"region {region} reaches past the snapshot's {header.MemorySize} bytes of memory");
        }

        return new ServedRegion(region.BaseHostVirtAddr, region.Size, region.Offset, pageSize);
    }

    /// <summary>Whether <paramref name="address"/> falls in this region.</summary>
    public bool Contains(ulong address) => address >= Base && address - Base < Size;

    /// <summary>Marks every whole page of this region inside [<paramref name="start"/>, <paramref name="end"/>) as given back.</summary>
    public void MarkRemoved(ulong start, ulong end)
    {
        if (end <= Base || start >= Base + Size)
        {
            return;
        }

        // The kernel removes whole pages; rounding inwards keeps a partial page's contents anyway.
        var from = Math.Max(start, Base) - Base;
        var to = Math.Min(end, Base + Size) - Base;
        for (var page = (from + PageSize - 1) / PageSize; (page + 1) * PageSize <= to; page++)
        {
            Removed.Set((long)page);
        }
    }
}
