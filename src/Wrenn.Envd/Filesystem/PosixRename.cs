using System.Runtime.InteropServices;

namespace Wrenn.Envd.Filesystem;

/// <summary>rename(2): atomic, replaces a file at the destination, works for files and directories alike.</summary>
internal static partial class PosixRename
{
    private const int EXDEV = 18;

    public static void Rename(string source, string destination)
    {
        if (RenamePath(source, destination) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == EXDEV && File.Exists(source))
        {
            // Across filesystems rename cannot work; a file can still be copied and removed.
            File.Copy(source, destination, overwrite: true);
            File.Delete(source);
            return;
        }

        var message = $"rename '{source}' to '{destination}': {Marshal.GetPInvokeErrorMessage(errno)}";
        throw errno switch
        {
            2 => new FileNotFoundException(message),
            13 or 1 => new UnauthorizedAccessException(message),
            _ => new IOException(message),
        };
    }

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenamePath(string source, string destination);
}
