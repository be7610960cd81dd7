using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// lstat-like facts about a path, read with statx(2): its layout is the same on every architecture,
/// unlike struct stat, and .NET has no managed way to read owner and group ids.
/// </summary>
public sealed partial record FileStatus(uint Mode, uint Uid, uint Gid, long Size, DateTimeOffset ModifiedTime)
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_BASIC_STATS = 0x7ff;
    private const int StatxSize = 256;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int EACCES = 13;

    public const uint TypeMask = 0xF000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeSymlink = 0xA000;

    public bool IsDirectory => (Mode & TypeMask) == TypeDirectory;

    public bool IsSymlink => (Mode & TypeMask) == TypeSymlink;

    public bool IsRegularFile => (Mode & TypeMask) == TypeRegular;

    /// <summary>How many names the file has (hard links).</summary>
    public uint Links { get; init; }

    /// <summary>The path's own status (a symlink is not followed); null when nothing is there.</summary>
    public static FileStatus? TryRead(string path)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }

            if (errno == EACCES)
            {
                throw new UnauthorizedAccessException($"permission denied: {path}");
            }

            throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }

        // struct statx: nlink @16, uid @20, gid @24, mode (u16) @28, size @40, mtime {i64 sec, u32 nsec} @112.
        var links = BinaryPrimitives.ReadUInt32LittleEndian(buffer[16..]);
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]);
        var gid = BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..]);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]);
        var size = BinaryPrimitives.ReadInt64LittleEndian(buffer[40..]);
        var seconds = BinaryPrimitives.ReadInt64LittleEndian(buffer[112..]);
        var nanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(buffer[120..]);
        var modified = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
        return new FileStatus(mode, uid, gid, size, modified) { Links = links };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, Span<byte> buffer);
}
