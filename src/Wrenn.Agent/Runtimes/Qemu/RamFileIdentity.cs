using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// Which file a template's RAM is (device, inode) and which version of it (modification time), read from
/// an open descriptor: a template is written into a staging directory and renamed into place, so its path
/// changes while the file stays the same. <see cref="Links"/> is 0 once the file is deleted.
/// </summary>
internal readonly partial record struct RamFileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode, long ModifiedSeconds, uint ModifiedNanoseconds)
{
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>The identity of the open file, and how many names it has left.</summary>
    public static (RamFileIdentity Identity, uint Links) Of(SafeFileHandle file)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(file, string.Empty, AtEmptyPath, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new IOException($"statx on a template's RAM file failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        // struct statx: stx_nlink at 16, stx_ino at 32, stx_mtime at 112 (seconds, nanoseconds), stx_dev_major/minor at 136/140.
        return (
            new RamFileIdentity(
                MemoryMarshal.Read<uint>(buffer[136..]),
                MemoryMarshal.Read<uint>(buffer[140..]),
                MemoryMarshal.Read<ulong>(buffer[32..]),
                MemoryMarshal.Read<long>(buffer[112..]),
                MemoryMarshal.Read<uint>(buffer[120..])),
            MemoryMarshal.Read<uint>(buffer[16..]));
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(SafeFileHandle directory, string path, int flags, uint mask, ref byte buffer);
}
