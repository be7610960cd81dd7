using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// ftruncate(2) and lseek(2) SEEK_DATA, for <see cref="TemplateMemory"/>'s copies (memfd_create, its seals and fcntl
/// are in <see cref="Os.LibC"/>).
/// </summary>
internal static partial class MemfdNative
{
    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    private const int SEEK_DATA = 3;
    private const int ENXIO = 6;

    /// <summary>
    /// The first offset at or after <paramref name="offset"/> that holds data, -1 when only a hole follows; a
    /// file system that cannot tell holes answers <paramref name="offset"/> itself (everything is read).
    /// </summary>
    public static long SeekData(SafeFileHandle file, long offset)
    {
        var data = Lseek(file, offset, SEEK_DATA);
        return data >= 0 ? data : Marshal.GetLastPInvokeError() == ENXIO ? -1 : offset;
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(SafeFileHandle fd, long offset, int whence);
}
