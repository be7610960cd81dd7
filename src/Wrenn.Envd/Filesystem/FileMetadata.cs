using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// User metadata on files, as E2B keeps it (envd 0.6.2): extended attributes named
/// <c>user.e2b.&lt;key&gt;</c>. An upload replaces a file's whole set; keys and values are printable
/// US-ASCII, a key at most <see cref="MaxKeyBytes"/> bytes and the set at most
/// <see cref="MaxTotalBytes"/> (one ext4 block holds every xattr of an inode). A filesystem without
/// user xattrs simply has no metadata.
/// </summary>
public static partial class FileMetadata
{
    /// <summary>The Linux VFS caps an xattr name at 255 bytes, prefix included.</summary>
    public const int MaxKeyBytes = 255 - 9;

    public const int MaxTotalBytes = 4096;

    private const string Prefix = "user.e2b.";
    private const int ENOATTR = 61;
    private const int ENOTSUP = 95;

    /// <summary>Why E2B's envd would refuse this set (its messages), or null when it is acceptable.</summary>
    public static string? Validate(IReadOnlyDictionary<string, string> metadata)
    {
        var total = 0;
        foreach (var (key, value) in metadata)
        {
            if (key.Length == 0)
            {
                return "metadata key must not be empty";
            }

            if (key.Length > MaxKeyBytes)
            {
                return $"metadata key \"{key}\" exceeds {MaxKeyBytes} bytes";
            }

            if (NonPrintable(key) is { } badKey)
            {
                return $"metadata key contains non-printable-ASCII character U+{(int)key[badKey]:X4} at offset {badKey}";
            }

            if (NonPrintable(value) is { } badValue)
            {
                return $"metadata value for key \"{key}\" contains non-printable-ASCII character U+{(int)value[badValue]:X4} at offset {badValue}";
            }

            total += Prefix.Length + key.Length + value.Length;
        }

        return total > MaxTotalBytes ? $"total metadata size {total} exceeds {MaxTotalBytes} bytes" : null;
    }

    /// <summary>
    /// Replaces the metadata of the open file with <paramref name="metadata"/> (keys it does not name are
    /// removed: an overwritten file keeps its xattrs, and must not keep a previous upload's metadata).
    /// Through the descriptor, so a rename of the path meanwhile cannot send it elsewhere. False when the
    /// filesystem takes no extended attributes; <see cref="IOException"/> (with the errno as HResult) on
    /// any other failure.
    /// </summary>
    public static bool Replace(SafeFileHandle file, IReadOnlyDictionary<string, string> metadata)
    {
        var names = new byte[64 * 1024];
        var length = ListAttributesOf(file, names, (nuint)names.Length);
        if (length < 0)
        {
            return Marshal.GetLastPInvokeError() == ENOTSUP ? false : throw Failure("listing the file's extended attributes");
        }

        foreach (var name in Encoding.UTF8.GetString(names, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && !metadata.ContainsKey(name[Prefix.Length..])
                && RemoveAttributeOf(file, name) != 0 && Marshal.GetLastPInvokeError() != ENOATTR)
            {
                throw Failure("removing metadata " + name[Prefix.Length..]);
            }
        }

        foreach (var (key, value) in metadata)
        {
            var bytes = Encoding.ASCII.GetBytes(value);
            if (SetAttributeOf(file, Prefix + key, bytes, (nuint)bytes.Length, 0) != 0)
            {
                return Marshal.GetLastPInvokeError() == ENOTSUP ? false : throw Failure("writing metadata " + key);
            }
        }

        return true;
    }

    /// <summary>The metadata on a file (not following a final symlink); empty when there is none.</summary>
    public static Dictionary<string, string> Read(string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new byte[64 * 1024];
        var length = ListAttributes(path, names, (nuint)names.Length);
        if (length <= 0)
        {
            return metadata;
        }

        foreach (var name in Encoding.UTF8.GetString(names, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var value = new byte[64 * 1024];
            var size = GetAttribute(path, name, value, (nuint)value.Length);
            if (size >= 0)
            {
                metadata[name[Prefix.Length..]] = Encoding.UTF8.GetString(value, 0, (int)size);
            }
        }

        return metadata;
    }

    private static int? NonPrintable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is < (char)0x20 or > (char)0x7E)
            {
                return i;
            }
        }

        return null;
    }

    private static IOException Failure(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetAttributeOf(SafeFileHandle file, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "flistxattr", SetLastError = true)]
    private static partial nint ListAttributesOf(SafeFileHandle file, byte[] list, nuint size);

    [LibraryImport("libc", EntryPoint = "fremovexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RemoveAttributeOf(SafeFileHandle file, string name);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ListAttributes(string path, byte[] list, nuint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetAttribute(string path, string name, byte[] value, nuint size);
}
