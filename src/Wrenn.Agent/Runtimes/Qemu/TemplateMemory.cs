using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// The guest RAM of each template (or base snapshot) that sandboxes are cloned from, held once in a sealed
/// memfd: every clone's QEMU maps it privately (memory-backend-file share=off), so the pages no clone has
/// written are one copy in host memory, and a clone's writes go to pages of its own (copy-on-write).
/// Why a memfd and not the template's file itself: QEMU 7.2 opens its mem-path read-write even for a private
/// mapping, which would let a QEMU taken over by its guest write the file other clones read; the seals
/// (no write, grow or shrink) refuse that to everyone, while a private writable mapping stays allowed.
/// QEMU gets it as /proc/&lt;agent&gt;/fd/N opened by its root launcher.
/// </summary>
public sealed class TemplateMemory(ILogger<TemplateMemory> logger) : IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private const int PageBytes = 4096;

    private readonly Lock _lock = new();

    /// <summary>
    /// Each sealed copy by the identity of the file it was made from, with that file held open: a template's
    /// RAM is written in a staging directory and renamed into place, and a copy made ahead (<see cref="Preload"/>)
    /// must be found by the path it has then. The open file says when it is deleted (no names left).
    /// </summary>
    private readonly Dictionary<RamFileIdentity, (SafeFileHandle Memfd, SafeFileHandle Source)> _held = [];

    private bool _disposed;

    /// <summary>A path the root launcher can open to hand QEMU the sealed copy of <paramref name="ramFile"/>, made on first use unless made ahead.</summary>
    public string PathFor(string ramFile) => ProcPath(Hold(File.OpenHandle(ramFile, FileMode.Open, FileAccess.Read), ramFile));

    /// <summary>
    /// Makes the sealed copy of a template's RAM file now, from <paramref name="source"/> (open on it; this takes
    /// it over), so the template's first clone does not wait for it: a template just written is a template
    /// about to be cloned. Runs on its own; a failure is logged and the first clone makes the copy instead.
    /// </summary>
    public Task PreloadAsync(SafeFileHandle source, string ramFile) =>
        Task.Run(() =>
        {
            try
            {
                Hold(source, ramFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                logger.TemplateMemoryPreloadFailed(ex, ramFile);
            }
        });

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Forget(_ => true);
        }
    }

    /// <summary>The sealed copy of the file <paramref name="source"/> is open on (taken over: kept with a new copy, else closed).</summary>
    private SafeFileHandle Hold(SafeFileHandle source, string ramFile)
    {
        var keep = false;
        try
        {
            var (identity, _) = RamFileIdentity.Of(source);
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);

                // Copies of files deleted (their template is gone) or changed since: no new clone will use them.
                Forget(IsStale);
                if (_held.TryGetValue(identity, out var held))
                {
                    return held.Memfd;
                }

                var memfd = Load(source, ramFile);
                _held[identity] = (memfd, source);
                keep = true;
                return memfd;
            }
        }
        finally
        {
            if (!keep)
            {
                source.Dispose();
            }
        }
    }

    private void Forget(Func<(RamFileIdentity Identity, SafeFileHandle Source), bool> which)
    {
        foreach (var (identity, (_, source)) in _held.ToArray())
        {
            if (which((identity, source)) && _held.Remove(identity, out var held))
            {
                // Clones already running keep their mappings; only new clones would have used this.
                held.Memfd.Dispose();
                held.Source.Dispose();
            }
        }
    }

    private static bool IsStale((RamFileIdentity Identity, SafeFileHandle Source) held)
    {
        var (now, links) = RamFileIdentity.Of(held.Source);
        return links == 0 || now != held.Identity;
    }

    private static string ProcPath(SafeFileHandle memfd) =>
        $"/proc/{Environment.ProcessId}/fd/{memfd.DangerousGetHandle()}";

    /// <summary>Copies the file into a new memfd, leaving its holes (pages the guest never touched) unallocated, and seals it.</summary>
    private SafeFileHandle Load(SafeFileHandle source, string ramFile)
    {
        var fd = MemfdNative.MemfdCreate("wrenn-template-ram", MemfdNative.MFD_CLOEXEC | MemfdNative.MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw new IOException($"memfd_create for {ramFile} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var memfd = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var length = RandomAccess.GetLength(source);
            Check(MemfdNative.Ftruncate(fd, length), "ftruncate", ramFile);
            var buffer = new byte[ChunkBytes];
            long copied = 0;
            for (long offset = 0; offset < length;)
            {
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

            Check(
                MemfdNative.Fcntl(fd, MemfdNative.F_ADD_SEALS, MemfdNative.F_SEAL_WRITE | MemfdNative.F_SEAL_GROW | MemfdNative.F_SEAL_SHRINK | MemfdNative.F_SEAL_SEAL),
                "F_ADD_SEALS",
                ramFile);
            logger.TemplateMemoryHeld(ramFile, copied / 1048576.0, length / 1048576.0);
            return memfd;
        }
        catch
        {
            memfd.Dispose();
            throw;
        }
    }

    private static void Check(int result, string call, string ramFile)
    {
        if (result < 0)
        {
            throw new IOException($"{call} on the memfd for {ramFile} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }
}
