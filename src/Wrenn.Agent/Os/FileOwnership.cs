using System.Runtime.InteropServices;

namespace Wrenn.Agent.Os;

/// <summary>Owners, modes and file capabilities of single directory entries, never following symbolic links.</summary>
internal static partial class FileOwnership
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ENODATA = 61;
    private const string CapabilityAttribute = "security.capability";

    /// <summary>Owner, group and mode (type bits included) of <paramref name="path"/> itself.</summary>
    public static (long Uid, long Gid, uint Mode) Stat(string path)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            throw Error("statx", path);
        }

        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode.
        return (BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24), BitConverter.ToUInt16(buffer, 28));
    }

    public static bool IsDirectory(uint mode) => (mode & 0xF000) == 0x4000;

    public static bool IsSymbolicLink(uint mode) => (mode & 0xF000) == 0xA000;

    public static bool IsRegularFile(uint mode) => (mode & 0xF000) == 0x8000;

    public static void SetOwner(string path, long uid, long gid)
    {
        if (LChown(path, (uint)uid, (uint)gid) != 0)
        {
            throw Error("lchown", path);
        }
    }

    /// <summary>
    /// Sets permission bits, setuid/setgid/sticky included (a chown clears setuid and setgid), of
    /// <paramref name="path"/> itself: a symbolic link there fails (links have no mode) instead of being followed.
    /// </summary>
    public static void SetMode(string path, uint mode)
    {
        if (LibC.FChmodAt(AtFdCwd, path, mode & 0xFFF, AtSymlinkNoFollow) != 0)
        {
            throw Error("fchmodat", path);
        }
    }

    /// <summary>The file's capability set (what setcap wrote), or null; a chown removes it.</summary>
    public static byte[]? ReadCapabilities(string path)
    {
        var buffer = new byte[64];
        var length = LGetXattr(path, CapabilityAttribute, buffer, buffer.Length);
        if (length < 0)
        {
            return Marshal.GetLastPInvokeError() == ENODATA ? null : throw Error("lgetxattr", path);
        }

        return buffer[..(int)length];
    }

    public static void WriteCapabilities(string path, byte[] value)
    {
        if (LSetXattr(path, CapabilityAttribute, value, value.Length, 0) != 0)
        {
            throw Error("lsetxattr", path);
        }
    }

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LGetXattr(string path, string name, byte[] value, nint size);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LSetXattr(string path, string name, byte[] value, nint size, int flags);
}
