using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Common.Configuration;

/// <summary>Who owns an open file and who may write it: whether a root daemon may trust its contents.</summary>
internal static partial class DotEnvFileStatus
{
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const uint GroupOrOthersWrite = 0b000_010_010;

    /// <summary>Why the open file must not be trusted, or null when it is owned by root or by us and not writable by group or others.</summary>
    public static string? WhyUntrusted(SafeFileHandle file)
    {
        var buffer = new byte[256];
        if (Statx((int)file.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return "cannot stat it: " + Marshal.GetPInvokeErrorMessage(errno);
        }

        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode.
        var uid = BitConverter.ToUInt32(buffer, 20);
        var mode = BitConverter.ToUInt16(buffer, 28);
        if ((mode & 0xF000) != 0x8000)
        {
            return "it is not a regular file";
        }

        var self = GetEffectiveUserId();
        if (uid != 0 && uid != self)
        {
            return $"it is owned by uid {uid}, not by root or by this process's user (uid {self})";
        }

        return (mode & GroupOrOthersWrite) != 0
            ? $"group or others may write it (mode {Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0')})"
            : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, byte[] buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
