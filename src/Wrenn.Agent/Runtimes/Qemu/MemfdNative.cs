using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>memfd_create(2), its seals (fcntl F_ADD_SEALS), fcntl F_DUPFD_CLOEXEC, ftruncate(2) and lseek(2) SEEK_DATA, for <see cref="TemplateMemory"/>.</summary>
internal static partial class MemfdNative
{
    public const uint MFD_CLOEXEC = 0x1;
    public const uint MFD_ALLOW_SEALING = 0x2;
    public const int F_DUPFD_CLOEXEC = 1030;
    public const int F_ADD_SEALS = 1033;
    public const int F_SEAL_SEAL = 0x1;
    public const int F_SEAL_SHRINK = 0x2;
    public const int F_SEAL_GROW = 0x4;
    public const int F_SEAL_WRITE = 0x8;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

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
