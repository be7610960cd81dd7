using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// The guest RAM of each template (or base snapshot) that sandboxes are cloned from, held once in a sealed
/// memfd: every clone's QEMU maps it privately (memory-backend-file share=off), so the pages no clone has
/// written are one copy in host memory, and a clone's writes go to pages of its own (copy-on-write).
/// Why a memfd and not the template's file itself: QEMU 7.2 opens its mem-path read-write even for a private
/// mapping, which would let a QEMU taken over by its guest write the file other clones read; the seals
/// (no write, grow or shrink) refuse that to everyone, while a private writable mapping stays allowed.
/// Each launch gets a descriptor of its own (<see cref="TemplateRamLease"/>), which QEMU's root launcher opens
/// as /proc/&lt;agent&gt;/fd/N.
/// </summary>
/// <remarks>
/// Each copy is filled on its own task, outside the lock (the lock only guards which copies exist), so a
/// clone of one template never waits for another template's fill. A copy is handed out as soon as its memfd
/// exists, sized but not yet filled: QEMU maps it at start but reads no guest RAM before its state is loaded,
/// and the caller loads the state only once <see cref="TemplateRamLease.Filled"/> is done, so QEMU's start and
/// the fill overlap. A fill that fails is forgotten (the next clone makes a new copy).
/// </remarks>
public sealed class TemplateMemory(ILogger<TemplateMemory> logger) : IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private const int PageBytes = 4096;

    private readonly Lock _lock = new();

    /// <summary>
    /// Each copy by the identity of the file it was made from, with that file held open: a template's RAM is
    /// written in a staging directory and renamed into place, and a copy made ahead (<see cref="PreloadAsync"/>)
    /// must be found by the path it has then. The open file says when it is deleted (no names left).
    /// </summary>
    private readonly Dictionary<RamFileIdentity, TemplateRamCopy> _held = [];

    /// <summary>Awaited before each fill with the file's path: lets tests hold a fill (or fail it) where they choose.</summary>
    private readonly Func<string, Task>? _fillStarting;

    private bool _disposed;

    internal TemplateMemory(ILogger<TemplateMemory> logger, Func<string, Task> fillStarting)
        : this(logger) => _fillStarting = fillStarting;

    /// <summary>
    /// The copy of <paramref name="ramFile"/> for one launch (made now, and filled on its own, unless made ahead):
    /// its path for the root launcher, valid until the lease is disposed, and when it is filled.
    /// </summary>
    public TemplateRamLease Open(string ramFile)
    {
        var copy = Hold(File.OpenHandle(ramFile, FileMode.Open, FileAccess.Read), ramFile);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (copy.Released)
            {
                // Released between Hold and here: its file was deleted or changed, or its fill failed.
                throw new IOException($"the copy of {ramFile} was let go (template removed or changed, or its fill failed) while a clone started");
            }

            var fd = LibC.Fcntl(copy.Memfd, LibC.F_DUPFD_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new IOException($"duplicating the memfd of {ramFile} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            return new TemplateRamLease(new SafeFileHandle(fd, ownsHandle: true), copy.Filled);
        }
    }

    /// <summary>
    /// Makes the sealed copy of a template's RAM file now, from <paramref name="source"/> (open on it; this takes
    /// it over), so the template's first clone does not wait for it: a template just written is a template
    /// about to be cloned. Done when the copy is filled; a failure is logged and the next clone makes the copy.
    /// </summary>
    public async Task PreloadAsync(SafeFileHandle source, string ramFile)
    {
        try
        {
            await Hold(source, ramFile).Filled.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Let go while filling (the template was removed, or the agent stops): nothing to make ready.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            logger.TemplateMemoryPreloadFailed(ex, ramFile);
        }
    }

    /// <summary>
    /// Lets go of the copies whose template file has no name left (its template or base snapshot was removed,
    /// or never made it into place) or changed since: no new clone will use them, and the deleted file's disk
    /// space and the copy's memory come back now, not at the next clone.
    /// </summary>
    public void ReleaseStale()
    {
        lock (_lock)
        {
            Release(IsStale);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Release(_ => true);
        }
    }

    /// <summary>The copy of the file <paramref name="source"/> is open on (taken over: kept with a new copy, else closed).</summary>
    private TemplateRamCopy Hold(SafeFileHandle source, string ramFile)
    {
        TemplateRamCopy copy;
        try
        {
            var (identity, _) = RamFileIdentity.Of(source, ramFile);
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);

                // Copies of files deleted (their template is gone) or changed since: no new clone will use them.
                Release(IsStale);
                if (_held.TryGetValue(identity, out var held))
                {
                    source.Dispose();
                    return held;
                }

                // Two quick calls (memfd_create, ftruncate); the fill, which reads the file, runs outside the lock.
                copy = new TemplateRamCopy(identity, source, CreateMemfd(source, ramFile));
                _held[identity] = copy;
            }
        }
        catch
        {
            source.Dispose();
            throw;
        }

        _ = Task.Run(() => FillAsync(copy, ramFile));
        return copy;
    }

    /// <summary>Called under the lock: forgets the copies <paramref name="which"/> names; a fill still running closes its files when it stops.</summary>
    private void Release(Func<TemplateRamCopy, bool> which)
    {
        foreach (var copy in _held.Values.Where(which).ToList())
        {
            _held.Remove(copy.Identity);
            copy.Released = true;
            if (!copy.Filling)
            {
                copy.Close();
            }
        }
    }

    /// <summary>
    /// Whether no new clone will use <paramref name="copy"/>: its file has no name left or changed. A file that
    /// cannot even be looked at any more is let go too: callers (a template's delete among them) must not fail on it.
    /// </summary>
    private static bool IsStale(TemplateRamCopy copy)
    {
        try
        {
            var (now, links) = RamFileIdentity.Of(copy.Source);
            return links == 0 || now != copy.Identity;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>A new memfd of the file's size: clones may map it at once (see the remarks above).</summary>
    private static SafeFileHandle CreateMemfd(SafeFileHandle source, string ramFile)
    {
        var fd = LibC.MemfdCreate("wrenn-template-ram", LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw new IOException($"memfd_create for {ramFile} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var memfd = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Check(MemfdNative.Ftruncate(fd, RandomAccess.GetLength(source)), "ftruncate", ramFile);
            return memfd;
        }
        catch
        {
            memfd.Dispose();
            throw;
        }
    }

    /// <summary>Fills the copy and seals it; on failure, or once released meanwhile, the copy is forgotten and its files closed.</summary>
    private async Task FillAsync(TemplateRamCopy copy, string ramFile)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (_fillStarting is not null)
            {
                await _fillStarting(ramFile).ConfigureAwait(false);
            }

            var copied = CopyPages(copy, ramFile);
            Check(
                LibC.Fcntl(copy.Memfd, LibC.F_ADD_SEALS, LibC.F_SEAL_WRITE | LibC.F_SEAL_GROW | LibC.F_SEAL_SHRINK | LibC.F_SEAL_SEAL),
                "F_ADD_SEALS",
                ramFile);
            logger.TemplateMemoryHeld(ramFile, copied / 1048576.0, RandomAccess.GetLength(copy.Source) / 1048576.0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            lock (_lock)
            {
                copy.Filling = false;
                if (copy.Released)
                {
                    copy.Close();
                }
            }

            copy.SetFilled();
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                copy.Filling = false;
                if (_held.TryGetValue(copy.Identity, out var held) && held == copy)
                {
                    _held.Remove(copy.Identity);
                }

                copy.Released = true;
                copy.Close();
            }

            copy.SetFailed(ex);
        }
    }

    /// <summary>Copies the file into the memfd, leaving its holes (pages the guest never touched) unallocated; stops early once released.</summary>
    private static long CopyPages(TemplateRamCopy copy, string ramFile)
    {
        var source = copy.Source;
        var memfd = copy.Memfd;
        var length = RandomAccess.GetLength(source);
        var buffer = new byte[ChunkBytes];
        long copied = 0;
        for (long offset = 0; offset < length;)
        {
            if (copy.Released)
            {
                throw new OperationCanceledException($"the copy of {ramFile} was let go while it was filled");
            }

            // The file's holes (pages the guest never touched, most of it) are not read at all.
            var data = MemfdNative.SeekData(source, offset);
            if (data < 0)
            {
                break;
            }

            offset = data;
            var read = RandomAccess.Read(source, buffer, offset);
            if (read == 0)
            {
                break;
            }

            // A page of zeros stays a hole, as in the file; each run of other pages is one write
            // (page by page, a 100 MB template took ~25,000 writes).
            var run = -1;
            for (var page = 0; page < read; page += PageBytes)
            {
                var zero = !buffer.AsSpan(page, Math.Min(PageBytes, read - page)).ContainsAnyExcept((byte)0);
                if (!zero && run < 0)
                {
                    run = page;
                }
                else if (zero && run >= 0)
                {
                    RandomAccess.Write(memfd, buffer.AsSpan(run, page - run), offset + run);
                    copied += page - run;
                    run = -1;
                }
            }

            if (run >= 0)
            {
                RandomAccess.Write(memfd, buffer.AsSpan(run, read - run), offset + run);
                copied += read - run;
            }

            offset += read;
        }

        return copied;
    }

    private static void Check(int result, string call, string ramFile)
    {
        if (result < 0)
        {
            throw new IOException($"{call} on the memfd for {ramFile} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }
}
