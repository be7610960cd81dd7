using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.Agent.Os;

/// <summary>
/// Sums the sizes of the regular files in a tree a tenant may be changing while it is measured (a running
/// sandbox's layer). Every directory is opened from its parent's descriptor with O_NOFOLLOW and listed from
/// that descriptor, and every entry is measured with statx from it without following links, so nothing is
/// resolved by path: a directory swapped for a link to a host directory at any moment is skipped, never
/// entered. Symbolic links, directories and special files count nothing (a path-based walk that skipped
/// links counted the same).
/// </summary>
internal static unsafe partial class FileTreeSize
{
    private const int AtFdCwd = -100;
    private const int OReadOnly = 0x0;
    private const int ODirectory = 0x10000;
    private const int ONoFollow = 0x20000;
    private const int OCloseOnExec = 0x80000;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>Offset of d_name in glibc's and musl's struct dirent on 64-bit: u64 ino, i64 off, u16 reclen, u8 type.</summary>
    private const int DirentNameOffset = 19;

    /// <summary>
    /// Deepest directory level entered. A walk by path ended at PATH_MAX (4096 bytes, about 2048 levels); one
    /// descriptor stays open per level, so the depth is bounded instead of trusting the tenant's tree. Deeper
    /// files go uncounted.
    /// </summary>
    private const int MaxDepth = 2048;

    /// <summary>
    /// Bytes in the regular files under <paramref name="root"/> (a directory the agent made); 0 if it does not exist.
    /// Entries that vanish or turn into something else while the walk runs are skipped.
    /// </summary>
    /// <param name="beforeEntering">
    /// Called with the path (relative to the root) of each directory the walk found and is about to open: the
    /// moment a racing tenant would swap it for a link. Lets a test do exactly that.
    /// </param>
    public static long Measure(string root, Action<string>? beforeEntering = null)
    {
        var fd = OpenAt(AtFdCwd, [.. Encoding.UTF8.GetBytes(root), 0], OReadOnly | ODirectory | ONoFollow | OCloseOnExec, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError() == LibC.ENOENT ? 0 : throw Error("open", root);
        }

        return SumDirectory(fd, root, string.Empty, 0, beforeEntering);
    }

    /// <summary>Sums the directory open as <paramref name="fd"/>; takes the descriptor over.</summary>
    private static long SumDirectory(int fd, string root, string relative, int depth, Action<string>? beforeEntering)
    {
        var directory = FdOpenDir(fd);
        if (directory == 0)
        {
            var error = Error("fdopendir", Describe(root, relative));
            _ = LibC.Close(fd);
            throw error;
        }

        try
        {
            var names = ReadNames(directory, root, relative);
            var total = 0L;
            foreach (var name in names)
            {
                total += SumEntry(fd, name, root, relative, depth, beforeEntering);
            }

            return total;
        }
        finally
        {
            // Closes fd as well.
            _ = CloseDir(directory);
        }
    }

    private static long SumEntry(int directoryFd, byte[] name, string root, string relative, int depth, Action<string>? beforeEntering)
    {
        var status = new byte[256];
        if (Statx(directoryFd, name, AtSymlinkNoFollow, StatxBasicStats, status) != 0)
        {
            return Skippable() ? 0 : throw Error("statx", Describe(root, Join(relative, name)));
        }

        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode, u16, u64 ino, u64 size.
        var mode = BitConverter.ToUInt16(status, 28);
        if (FileOwnership.IsRegularFile(mode))
        {
            return (long)BitConverter.ToUInt64(status, 40);
        }

        if (!FileOwnership.IsDirectory(mode) || depth == MaxDepth)
        {
            return 0;
        }

        var path = Join(relative, name);
        beforeEntering?.Invoke(path);

        // O_NOFOLLOW|O_DIRECTORY: if it was swapped for a link (ELOOP) or a file (ENOTDIR) since statx, it is skipped.
        var child = OpenAt(directoryFd, name, OReadOnly | ODirectory | ONoFollow | OCloseOnExec, 0);
        if (child < 0)
        {
            return Skippable() ? 0 : throw Error("openat", Describe(root, path));
        }

        return SumDirectory(child, root, path, depth + 1, beforeEntering);
    }

    /// <summary>The names in the directory, without '.' and '..', each NUL-terminated and kept as bytes (any name the tenant chose).</summary>
    private static List<byte[]> ReadNames(nint directory, string root, string relative)
    {
        var names = new List<byte[]>();
        while (true)
        {
            var entry = ReadDir(directory);
            if (entry == 0)
            {
                // readdir gives null at the end and on an error; only the error sets errno.
                return Marshal.GetLastPInvokeError() == 0 ? names : throw Error("readdir", Describe(root, relative));
            }

            var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)entry + DirentNameOffset);
            if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
            {
                names.Add([.. name, 0]);
            }
        }
    }

    /// <summary>The entry vanished, cannot be read, or is no longer a directory: what a tree in use does.</summary>
    private static bool Skippable() => Marshal.GetLastPInvokeError() is LibC.ENOENT or LibC.EACCES or LibC.ENOTDIR or LibC.ELOOP;

    private static string Join(string relative, byte[] name)
    {
        var text = Encoding.UTF8.GetString(name, 0, name.Length - 1);
        return relative.Length == 0 ? text : relative + "/" + text;
    }

    private static string Describe(string root, string relative) => relative.Length == 0 ? root : root + "/" + relative;

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAt(int directoryFd, byte[] path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int directoryFd, byte[] path, int flags, uint mask, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    private static partial nint FdOpenDir(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial nint ReadDir(nint directory);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    private static partial int CloseDir(nint directory);
}
