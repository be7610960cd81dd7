using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.Agent.Os;

/// <summary>
/// Sets the hostname of another process's UTS namespace from inside the agent, as
/// <c>nsenter --target PID --uts hostname NAME</c> would, without starting two programs (which cost
/// more than the rest of a warm pool claim together), on a <see cref="NamespaceThread"/>: the agent's
/// own hostname is never touched.
/// </summary>
internal static partial class UtsHostname
{
    /// <summary>The kernel's limit on a hostname (HOST_NAME_MAX).</summary>
    private const int MaxLength = 64;

    /// <summary>Makes <paramref name="hostname"/> the hostname of the UTS namespace process <paramref name="pid"/> is in.</summary>
    public static void Set(int pid, string hostname)
    {
        var name = Encoding.ASCII.GetBytes(hostname);
        if (name.Length is 0 or > MaxLength || hostname.Any(c => c is '\0' or > '\x7e' or < '\x21'))
        {
            throw new ArgumentException($"'{hostname}' is not a hostname", nameof(hostname));
        }

        var path = $"/proc/{pid}/ns/uts";
        try
        {
            NamespaceThread.Run(path, NamespaceThread.Uts, "wrenn-uts-hostname", () => SetHostName(name, (nuint)name.Length) == 0
                ? true
                : throw new IOException($"sethostname in {path} failed: errno {Marshal.GetLastPInvokeError()}"));
        }
        catch (Exception ex)
        {
            throw new IOException($"could not name the sandbox of process {pid} '{hostname}': {ex.Message}", ex);
        }
    }

    [LibraryImport("libc", EntryPoint = "sethostname", SetLastError = true)]
    private static partial int SetHostName(byte[] name, nuint length);
}
