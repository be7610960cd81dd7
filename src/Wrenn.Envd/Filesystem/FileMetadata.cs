using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.Envd.Filesystem;

/// <summary>
/// User metadata on files, as E2B keeps it: extended attributes named <c>user.e2b.&lt;key&gt;</c>.
/// Best effort: a filesystem without user xattrs simply has no metadata.
/// </summary>
public static partial class FileMetadata
{
    private const string Prefix = "user.e2b.";

    /// <summary>Sets every key; returns false when the filesystem does not take extended attributes.</summary>
    public static bool Write(string path, IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            if (SetAttribute(path, Prefix + key, bytes, (nuint)bytes.Length, 0) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The metadata on a file (not following a final symlink); empty when there is none.</summary>
    public static Dictionary<string, string> Read(string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new byte[4096];
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

            var value = new byte[4096];
            var size = GetAttribute(path, name, value, (nuint)value.Length);
            if (size >= 0)
            {
                metadata[name[Prefix.Length..]] = Encoding.UTF8.GetString(value, 0, (int)size);
            }
        }

        return metadata;
    }

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetAttribute(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ListAttributes(string path, byte[] list, nuint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetAttribute(string path, string name, byte[] value, nuint size);
}
