using System.Runtime.InteropServices;

namespace Wrenn.Envd.Http;

/// <summary>chown(2): files written for a user belong to that user. .NET has no managed chown.</summary>
internal static partial class FileOwnership
{
    public static void Give(string path, uint uid, uint gid)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        if (Chown(path, uid, gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"chown {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint uid, uint gid);
}
