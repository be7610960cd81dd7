using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Os;

/// <summary>
/// Sets the hostname of another process's UTS namespace from inside the agent, as
/// <c>nsenter --target PID --uts hostname NAME</c> would, without starting two programs (which cost
/// more than the rest of a warm pool claim together). setns moves only the calling thread, so the
/// work runs on a thread of its own that ends afterwards: no thread of the agent's stays in the
/// sandbox's namespace, and the agent's own hostname is never touched.
/// </summary>
internal static partial class UtsHostname
{
    private const int CloneNewUts = 0x04000000;

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
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
                if (SetNamespace(ns, CloneNewUts) != 0)
                {
                    throw new IOException($"setns({path}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                if (SetHostName(name, (nuint)name.Length) != 0)
                {
                    throw new IOException($"sethostname in {path} failed: errno {Marshal.GetLastPInvokeError()}");
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        {
            IsBackground = true,
            Name = "wrenn-uts-hostname",
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new IOException($"could not name the sandbox of process {pid} '{hostname}': {failure.Message}", failure);
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(SafeFileHandle fd, int nstype);

    [LibraryImport("libc", EntryPoint = "sethostname", SetLastError = true)]
    private static partial int SetHostName(byte[] name, nuint length);
}
