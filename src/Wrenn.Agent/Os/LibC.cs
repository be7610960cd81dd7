using System.Runtime.InteropServices;

namespace Wrenn.Agent.Os;

/// <summary>The few libc calls the agent makes directly, where forking a program would cost more than the work.</summary>
internal static partial class LibC
{
    public const uint MNT_DETACH = 0x2;
    public const ulong MS_NOSUID = 0x2;
    public const ulong MS_NODEV = 0x4;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fileSystemType, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unmount(string target, uint flags);

    [LibraryImport("libc", EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FChmodAt(int directoryFd, string path, uint mode, int flags);

    /// <summary>errno of a rename across filesystems.</summary>
    public const int EXDEV = 18;

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rename(string oldPath, string newPath);

    public const int AT_FDCWD = -100;

    /// <summary>renameat2: swap the two names atomically; both must exist.</summary>
    public const uint RENAME_EXCHANGE = 0x2;

    /// <summary>errno of a path that does not exist.</summary>
    public const int ENOENT = 2;

    /// <summary>errno of a permission refused.</summary>
    public const int EACCES = 13;

    /// <summary>errno of a name that exists already.</summary>
    public const int EEXIST = 17;

    /// <summary>errno of a path whose directory part is not a directory.</summary>
    public const int ENOTDIR = 20;

    /// <summary>errno of an argument the call refuses (umount2 of a path that is not a mount point).</summary>
    public const int EINVAL = 22;

    /// <summary>errno of a directory that is not empty (rename or rmdir onto one).</summary>
    public const int ENOTEMPTY = 39;

    /// <summary>errno of a symbolic link met where none may be (O_NOFOLLOW) or too many of them.</summary>
    public const int ELOOP = 40;

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int oldDirectoryFd, string oldPath, int newDirectoryFd, string newPath, uint flags);

    public const ulong MS_NOATIME = 0x400;

    public const uint MFD_CLOEXEC = 0x1;
    public const uint MFD_ALLOW_SEALING = 0x2;

    /// <summary>memfd_create: executable (Linux 6.3+, where vm.memfd_noexec may make memfds non-executable by default).</summary>
    public const uint MFD_EXEC = 0x10;

    public const int F_DUPFD_CLOEXEC = 1030;
    public const int F_ADD_SEALS = 1033;
    public const int F_GET_SEALS = 1034;
    public const int F_SEAL_SEAL = 0x1;
    public const int F_SEAL_SHRINK = 0x2;
    public const int F_SEAL_GROW = 0x4;
    public const int F_SEAL_WRITE = 0x8;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(SafeHandle fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;

    /// <summary>errno of a call interrupted by a signal, to be made again.</summary>
    public const int EINTR = 4;

    /// <summary>errno of a FIFO opened for writing, without blocking, that no reader has open.</summary>
    public const int ENXIO = 6;

    /// <summary>Sets or clears O_NONBLOCK on <paramref name="fd"/>; false (errno set) when fcntl fails.</summary>
    public static bool SetNonBlocking(int fd, bool nonBlocking)
    {
        var flags = Fcntl(fd, F_GETFL, 0);
        if (flags < 0)
        {
            return false;
        }

        var wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        return wanted == flags || Fcntl(fd, F_SETFL, wanted) >= 0;
    }

    public const short POLLIN = 0x1;

    /// <summary>poll(2): reported whatever the events asked for; for a pipe's writing end, the reader is gone.</summary>
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nint argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, byte[] argument);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
