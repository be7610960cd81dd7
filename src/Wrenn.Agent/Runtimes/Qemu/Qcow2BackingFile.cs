using System.Buffers.Binary;
using System.Text;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// The backing file named in a qcow2 header, read without qemu-img: a sandbox's own disk is open
/// read-write in a QEMU the guest may have taken over, so its header is untrusted input and is not
/// handed to a root process that would follow it. Header: magic "QFI\xfb", version, then the backing
/// file name's offset (u64) and length (u32), big-endian.
/// </summary>
public static class Qcow2BackingFile
{
    private const uint Magic = 0x514649fb;
    private const int MaxNameLength = 1023;

    /// <summary>True when <paramref name="path"/> starts with the qcow2 magic.</summary>
    public static bool IsQcow2(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
        Span<byte> magic = stackalloc byte[4];
        return file.Length >= 4 && file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && BinaryPrimitives.ReadUInt32BigEndian(magic) == Magic;
    }

    /// <summary>The backing file of <paramref name="disk"/> as a full path (a relative name is relative to the disk's directory), or null when it has none.</summary>
    public static string? Read(string disk)
    {
        using var file = new FileStream(disk, FileMode.Open, FileAccess.Read);
        Span<byte> header = stackalloc byte[20];
        file.ReadExactly(header);
        if (BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
        {
            throw new InvalidDataException($"{disk} is not a qcow2 image");
        }

        var offset = BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[16..]);
        if (offset == 0 || length == 0)
        {
            return null;
        }

        if (length > MaxNameLength || offset > (ulong)file.Length)
        {
            throw new InvalidDataException($"{disk} has a malformed backing file name");
        }

        var name = new byte[length];
        file.Position = (long)offset;
        file.ReadExactly(name);
        return Path.GetFullPath(Encoding.UTF8.GetString(name), Path.GetDirectoryName(Path.GetFullPath(disk))!);
    }
}
