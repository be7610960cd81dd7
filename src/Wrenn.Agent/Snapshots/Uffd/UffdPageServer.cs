using System.Runtime.InteropServices;
using Wrenn.Agent.Os;
using static Wrenn.Agent.Snapshots.Uffd.UffdNative;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// Serves a resumed guest's memory lazily: every page the guest touches for the first time raises a
/// userfaultfd event, and this fills exactly that page — from the memfile of the generation that last
/// wrote its block (UFFDIO_COPY), or with zeros when the header maps nothing there (UFFDIO_ZEROPAGE).
/// One thread serves one guest; the guest's vCPU threads must never be that thread, or a fault waits
/// for itself.
/// </summary>
public sealed class UffdPageServer
{
    /// <summary>Messages read per read(2): a burst of vCPU faults is drained in one call.</summary>
    private const int MessagesPerRead = 64;

    /// <summary>How soon faults the kernel asked to retry (EAGAIN) are tried again when nothing else arrives.</summary>
    private const int RetryMilliseconds = 1;

    private readonly UserfaultFd _uffd;
    private readonly ServedRegion[] _regions;
    private readonly MemfileSet _memory;
    private readonly ILogger _logger;
    private readonly ulong _maxPageSize;
    private long _pagesCopied;
    private long _pagesZeroed;
    private long _pagesAlreadyPresent;

    /// <summary>
    /// A server for <paramref name="regions"/> of <paramref name="uffd"/>, reading guest memory from
    /// <paramref name="memory"/>. Regions must be page-aligned and lie inside the snapshot's memory.
    /// </summary>
    public UffdPageServer(UserfaultFd uffd, IReadOnlyList<GuestRegionUffdMapping> regions, MemfileSet memory, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(uffd);
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(memory);
        if (regions.Count == 0)
        {
            throw new ArgumentException("no memory regions to serve", nameof(regions));
        }

        _uffd = uffd;
        _memory = memory;
        _logger = logger;
        _regions = [.. regions.Select(region => ServedRegion.Checked(region, memory.Header))];
        _maxPageSize = _regions.Max(r => r.PageSize);
    }

    /// <summary>Pages filled from a memfile.</summary>
    public long PagesCopied => Interlocked.Read(ref _pagesCopied);

    /// <summary>Pages filled with zeros: unmapped blocks, and pages the guest gave back (balloon) before touching them again.</summary>
    public long PagesZeroed => Interlocked.Read(ref _pagesZeroed);

    /// <summary>Faults for pages that were present by the time they were served (another thread faulted on the same page).</summary>
    public long PagesAlreadyPresent => Interlocked.Read(ref _pagesAlreadyPresent);

    /// <summary>
    /// Serves on a dedicated thread until <paramref name="cancellationToken"/> is cancelled (the task
    /// then ends cancelled) or the process owning the memory is gone (the task then completes).
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Serve(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Serves on the calling thread; see <see cref="RunAsync"/>. Throws <see cref="OperationCanceledException"/> when cancelled.</summary>
    public unsafe void Serve(CancellationToken cancellationToken)
    {
        var added = false;
        var page = (byte*)NativeMemory.AlignedAlloc((nuint)_maxPageSize, (nuint)Environment.SystemPageSize);
        var messages = (byte*)NativeMemory.Alloc(MessagesPerRead * UffdMessageLength);
        try
        {
            // Held for the whole loop so that a Dispose elsewhere cannot close the number under us.
            _uffd.Handle.DangerousAddRef(ref added);
            var fd = (int)_uffd.Handle.DangerousGetHandle();
            using var wait = new CancellableWait(cancellationToken);
            var retry = new Queue<ulong>();
            while (true)
            {
                var events = wait.Wait(fd, retry.Count > 0 ? RetryMilliseconds : -1);
                if ((events & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0)
                {
                    _logger.PollEvents(fd, events);
                    return;
                }

                while (true)
                {
                    var read = Read(fd, messages, MessagesPerRead * UffdMessageLength);
                    if (read < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == LibC.EINTR)
                        {
                            continue;
                        }

                        if (errno == EAGAIN)
                        {
                            break;
                        }

                        throw UserfaultFd.Error("read userfaultfd", errno);
                    }

                    for (var at = 0; at + UffdMessageLength <= read; at += UffdMessageLength)
                    {
                        if (!Handle(fd, messages + at, page, retry))
                        {
                            return;
                        }
                    }
                }

                // Faults the kernel refused with EAGAIN: a non-cooperative event (a balloon's MADV_DONTNEED,
                // say) was changing the mapping. Those events are read above, so now the retry can succeed.
                for (var pending = retry.Count; pending > 0; pending--)
                {
                    switch (ServeFault(fd, retry.Dequeue(), page))
                    {
                        case FaultResult.Retry:
                            break;
                        case FaultResult.OwnerGone:
                            return;
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                _uffd.Handle.DangerousRelease();
            }

            NativeMemory.AlignedFree(page);
            NativeMemory.Free(messages);
        }
    }

    /// <summary>Acts on one uffd_msg; false when serving should stop.</summary>
    private unsafe bool Handle(int fd, byte* message, byte* page, Queue<ulong> retry)
    {
        // struct uffd_msg: u8 event, 7 reserved bytes, then the union at byte 8.
        var kind = message[0];
        var first = *(ulong*)(message + 8);
        var second = *(ulong*)(message + 16);
        switch (kind)
        {
            case UFFD_EVENT_PAGEFAULT:
                // pagefault: u64 flags at 8, u64 address at 16.
                switch (ServeFault(fd, second, page))
                {
                    case FaultResult.Retry:
                        retry.Enqueue(second);
                        break;
                    case FaultResult.OwnerGone:
                        return false;
                }

                return true;
            case UFFD_EVENT_REMOVE:
            case UFFD_EVENT_UNMAP:
                // remove: u64 start at 8, u64 end at 16. The guest gave these pages back; if it touches
                // them again it must find zeros, as with any freshly allocated memory, not the snapshot.
                foreach (var region in _regions)
                {
                    region.MarkRemoved(first, second);
                }

                return true;
            case UFFD_EVENT_FORK:
                // fork: u32 ufd at 8, a new descriptor in our table. Never asked for; closed so it cannot leak.
                LibC.Close(*(int*)(message + 8));
                _logger.ForkEventIgnored();
                return true;
            default:
                _logger.EventIgnored(kind);
                return true;
        }
    }

    private unsafe FaultResult ServeFault(int fd, ulong address, byte* page)
    {
        var region = FindRegion(address);
        var pageAddress = address & ~(region.PageSize - 1);
        var pageIndex = (long)((pageAddress - region.Base) / region.PageSize);
        var guestOffset = (long)(region.GuestOffset + (pageAddress - region.Base));

        FaultResult result;
        if (region.Removed.IsSet(pageIndex) || _memory.IsZeroRange(guestOffset, (long)region.PageSize))
        {
            result = Zero(fd, pageAddress, region.PageSize, page);
            if (result == FaultResult.Served)
            {
                region.Removed.Clear(pageIndex);
            }
        }
        else
        {
            _memory.Read(guestOffset, new Span<byte>(page, (int)region.PageSize));
            result = Copy(fd, pageAddress, page, region.PageSize, ref _pagesCopied);
        }

        return result;
    }

    private ServedRegion FindRegion(ulong address)
    {
        // A loop, not a lambda: this runs on every fault. Firecracker has one or two regions.
        foreach (var region in _regions)
        {
            if (region.Contains(address))
            {
                return region;
            }
        }

        throw new InvalidOperationException($"page fault at 0x{address:x} is outside every memory region of the handshake");
    }

    private unsafe FaultResult Zero(int fd, ulong pageAddress, ulong pageSize, byte* page)
    {
        if (pageSize != (ulong)Environment.SystemPageSize)
        {
            // hugetlbfs has no UFFDIO_ZEROPAGE; a copied zero page is the same to the guest.
            new Span<byte>(page, (int)pageSize).Clear();
            return Copy(fd, pageAddress, page, pageSize, ref _pagesZeroed);
        }

        var zero = new UffdioZeropage { Range = new UffdioRange { Start = pageAddress, Len = pageSize } };
        return Ioctl(fd, UFFDIO_ZEROPAGE, &zero) == 0
            ? Done(ref _pagesZeroed)
            : Failed(fd, "UFFDIO_ZEROPAGE", pageAddress, pageSize, Marshal.GetLastPInvokeError());
    }

    private unsafe FaultResult Copy(int fd, ulong pageAddress, byte* source, ulong pageSize, ref long counter)
    {
        var copy = new UffdioCopy { Dst = pageAddress, Src = (ulong)source, Len = pageSize };
        return Ioctl(fd, UFFDIO_COPY, &copy) == 0
            ? Done(ref counter)
            : Failed(fd, "UFFDIO_COPY", pageAddress, pageSize, Marshal.GetLastPInvokeError());
    }

    private static FaultResult Done(ref long counter)
    {
        Interlocked.Increment(ref counter);
        return FaultResult.Served;
    }

    private unsafe FaultResult Failed(int fd, string call, ulong pageAddress, ulong pageSize, int errno)
    {
        switch (errno)
        {
            case LibC.EEXIST:
                // Two threads faulted on one page and the first fault's fill is in; wake anyone still
                // waiting on the range (the fill did already, this costs nothing when nobody is).
                Interlocked.Increment(ref _pagesAlreadyPresent);
                var range = new UffdioRange { Start = pageAddress, Len = pageSize };
                Ioctl(fd, UFFDIO_WAKE, &range);
                return FaultResult.Served;
            case EAGAIN:
                return FaultResult.Retry;
            case ESRCH:
                // The process whose memory this is has exited (the VM stopped): nothing left to serve.
                _logger.OwnerGone(call, pageAddress);
                return FaultResult.OwnerGone;
            default:
                throw UserfaultFd.Error($"{call} at 0x{pageAddress:x}", errno);
        }
    }

    private enum FaultResult
    {
        Served,
        Retry,
        OwnerGone,
    }
}
