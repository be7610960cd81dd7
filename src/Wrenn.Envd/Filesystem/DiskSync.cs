using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// fsync(2) of a file or a directory, with its error always raised. .NET opens no directory as a
/// stream, and FileStream.Flush(true) answered success on a file whose writeback had just failed
/// (measured: ENOSPC from a loop-mounted disk on a full host), so both go to libc.
/// </summary>
internal static partial class DiskSync
{
    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000;
    private const int O_CLOEXEC = 0x80000;
    private const int EINTR = 4;
    private const int EINVAL = 22;
    private const int EROFS = 30;

    /// <summary>Throws an <see cref="IOException"/> carrying the errno as its HResult when the file's bytes could not be written back.</summary>
    public static void File(SafeFileHandle file, string path)
    {
        if (Sync(file) is var errno and not 0)
        {
            throw Error("fsync", path, errno);
        }
    }

    /// <summary>Makes a rename or a new name in <paramref name="directory"/> durable; throws as <see cref="File"/>.</summary>
    public static void Directory(string directory)
    {
        var fd = Open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
        {
            throw Error("open", directory, Marshal.GetLastPInvokeError());
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);

        if (Sync(handle) is var errno and not 0)
        {
            throw Error("fsync", directory, errno);
        }
    }

    /// <summary>0, or the errno; EINVAL/EROFS (a file system that keeps nothing to sync) count as done.</summary>
    private static int Sync(SafeFileHandle handle)
    {
        while (FSync(handle) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return errno is EINVAL or EROFS ? 0 : errno;
            }
        }

        return 0;
    }

    private static IOException Error(string call, string path, int errno) =>
        new($"{call} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(SafeFileHandle fd);
}
