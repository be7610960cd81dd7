using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// Whether a directory lives on a network filesystem (NFS, CIFS/SMB, FUSE), as E2B's envd tells (0.6.4):
/// inotify there sees only this machine's changes, so a watch is refused unless the caller opts in with
/// <c>allow_network_mounts</c>.
/// </summary>
public static partial class NetworkMounts
{
    private const long NfsSuperMagic = 0x6969;
    private const long CifsMagic = 0xFF534D42;
    private const long SmbSuperMagic = 0x517B;
    private const long Smb2MagicNumber = 0xFE534D42;
    private const long FuseSuperMagic = 0x65735546;

    /// <summary>Larger than struct statfs on every 64-bit Linux; its first field is the filesystem type.</summary>
    private const int StatfsBufferBytes = 256;

    public static bool IsNetworkFilesystemType(long type) =>
        type is NfsSuperMagic or CifsMagic or SmbSuperMagic or Smb2MagicNumber or FuseSuperMagic;

    /// <summary>True when <paramref name="path"/> is on a network filesystem; throws <see cref="IOException"/> when statfs fails.</summary>
    public static bool Contains(string path)
    {
        Span<byte> buffer = stackalloc byte[StatfsBufferBytes];
        if (Statfs(path, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"statfs {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        // f_type is a signed long: CIFS's magic reads back sign-extended on some kernels.
        var type = BinaryPrimitives.ReadInt64LittleEndian(buffer);
        return IsNetworkFilesystemType(type) || IsNetworkFilesystemType(type & 0xFFFFFFFF);
    }

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statfs(string path, Span<byte> buffer);
}
