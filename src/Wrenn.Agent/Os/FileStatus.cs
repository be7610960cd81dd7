using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Os;

/// <summary>
/// What statx(2) says of a file, the fields the agent compares: which file it is (device, inode), its type, names,
/// size, and when its content (modified) and its inode (changed) last changed.
/// </summary>
internal readonly partial record struct FileStatus(
    uint DeviceMajor,
    uint DeviceMinor,
    ulong Inode,
    ushort Mode,
    uint Links,
    long Size,
    long ModifiedSeconds,
    uint ModifiedNanoseconds,
    long ChangedSeconds,
    uint ChangedNanoseconds)
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const ushort FileTypeMask = 0xF000;
    private const ushort RegularFileType = 0x8000;

    public bool IsRegularFile => (Mode & FileTypeMask) == RegularFileType;

    /// <summary>The open file's status; <paramref name="path"/>, where it was opened, only names it in an error.</summary>
    /// <exception cref="IOException">statx failed.</exception>
    public static FileStatus Of(SafeFileHandle file, string? path = null)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(file, string.Empty, AtEmptyPath, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new IOException($"statx of {path ?? "an open file"} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        return Read(buffer);
    }

    /// <summary>The status of the file <paramref name="path"/> names (symbolic links followed); null when statx fails (nothing there).</summary>
    public static FileStatus? OfPath(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        return Statx(AtFdCwd, path, 0, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) == 0 ? Read(buffer) : null;
    }

    // struct statx: stx_nlink at 16, stx_mode at 28, stx_ino at 32, stx_size at 40, stx_ctime at 96, stx_mtime at 112
    // (seconds, then nanoseconds), stx_dev_major/minor at 136/140.
    private static FileStatus Read(ReadOnlySpan<byte> buffer) =>
        new(
            MemoryMarshal.Read<uint>(buffer[136..]),
            MemoryMarshal.Read<uint>(buffer[140..]),
            MemoryMarshal.Read<ulong>(buffer[32..]),
            MemoryMarshal.Read<ushort>(buffer[28..]),
            MemoryMarshal.Read<uint>(buffer[16..]),
            MemoryMarshal.Read<long>(buffer[40..]),
            MemoryMarshal.Read<long>(buffer[112..]),
            MemoryMarshal.Read<uint>(buffer[120..]),
            MemoryMarshal.Read<long>(buffer[96..]),
            MemoryMarshal.Read<uint>(buffer[104..]));

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(SafeFileHandle directory, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);
}
