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
    private readonly Dictionary<string, (SafeFileHandle Memfd, DateTime Written)> _held = new(StringComparer.Ordinal);

    /// <summary>A path the root launcher can open to hand QEMU the sealed copy of <paramref name="ramFile"/>, made on first use.</summary>
    public string PathFor(string ramFile)
    {
        var written = File.GetLastWriteTimeUtc(ramFile);
        lock (_lock)
        {
            Forget(key => !File.Exists(key));
            if (_held.TryGetValue(ramFile, out var held) && held.Written == written)
            {
                return ProcPath(held.Memfd);
            }

            if (_held.Remove(ramFile, out var stale))
            {
                stale.Memfd.Dispose();
            }

            var memfd = Load(ramFile);
            _held[ramFile] = (memfd, written);
            return ProcPath(memfd);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Forget(_ => true);
        }
    }

    private void Forget(Func<string, bool> which)
    {
        foreach (var key in _held.Keys.Where(which).ToArray())
        {
            // Clones already running keep their mappings; only new clones would have used this.
            _held.Remove(key, out var held);
            held.Memfd.Dispose();
        }
    }

    private static string ProcPath(SafeFileHandle memfd) =>
        $"/proc/{Environment.ProcessId}/fd/{memfd.DangerousGetHandle()}";

    /// <summary>Copies the file into a new memfd, leaving its holes (pages the guest never touched) unallocated, and seals it.</summary>
    private SafeFileHandle Load(string ramFile)
    {
        var fd = MemfdNative.MemfdCreate("wrenn-template-ram", MemfdNative.MFD_CLOEXEC | MemfdNative.MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw new IOException($"memfd_create for {ramFile} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var memfd = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            using var source = File.OpenHandle(ramFile, FileMode.Open, FileAccess.Read);
            var length = RandomAccess.GetLength(source);
            Check(MemfdNative.Ftruncate(fd, length), "ftruncate", ramFile);
            var buffer = new byte[ChunkBytes];
            long copied = 0;
            for (long offset = 0; offset < length;)
            {
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
