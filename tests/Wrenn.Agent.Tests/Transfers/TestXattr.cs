using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.Agent.Tests.Transfers;

/// <summary>Extended attributes of a test's files (overlay's opaque marker is one), without attr's tools.</summary>
internal static partial class TestXattr
{
    public static void Set(string path, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (LSetXattr(path, name, bytes, bytes.Length, 0) != 0)
        {
            throw new IOException($"lsetxattr {path} {name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    public static string? Get(string path, string name)
    {
        var buffer = new byte[256];
        var length = LGetXattr(path, name, buffer, buffer.Length);
        return length < 0 ? null : Encoding.UTF8.GetString(buffer, 0, (int)length);
    }

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LGetXattr(string path, string name, byte[] value, nint size);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LSetXattr(string path, string name, byte[] value, nint size, int flags);
}
