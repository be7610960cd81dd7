using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Firecracker;

/// <summary>
/// A diff snapshot's memory file from Firecracker is as large as the guest's memory but holds only the
/// pages written since the last snapshot; the rest are holes. Copying its data extents over the full
/// memory file brings that up to date.
/// </summary>
internal static partial class SparseFiles
{
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int ENXIO = 6;

    /// <summary>Writes every data extent of <paramref name="diff"/> into <paramref name="full"/> at the same offset; returns the bytes copied.</summary>
    public static long CopyDataExtents(string diff, string full)
    {
        using var source = File.OpenHandle(diff, FileMode.Open, FileAccess.Read);
        using var target = File.OpenHandle(full, FileMode.Open, FileAccess.Write);
        var length = RandomAccess.GetLength(source);
        var buffer = new byte[1 << 20];
        long copied = 0;
        long offset = 0;
        while (offset < length)
        {
            var start = Seek(source, offset, SeekData);
            if (start < 0)
            {
                break;
            }

            var end = Math.Min(Seek(source, start, SeekHole), length);
            for (var at = start; at < end;)
            {
                var read = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - at)), at);
                RandomAccess.Write(target, buffer.AsSpan(0, read), at);
                at += read;
                copied += read;
            }

            offset = end;
        }

        return copied;
    }

    private static long Seek(SafeFileHandle file, long offset, int whence)
    {
        var result = LSeek(file, offset, whence);
        if (result >= 0)
        {
            return result;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ENXIO ? -1 : throw new IOException($"lseek: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle file, long offset, int whence);
}
