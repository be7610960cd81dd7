using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Wrenn.Agent.Pool;

/// <summary>
/// Sets the hostname inside a running container's UTS namespace from the agent's own process, as
/// <c>nsenter --target PID --uts hostname NAME</c> did without forking two programs on the claim's
/// path. setns(2) with CLONE_NEWUTS moves only the calling thread, so the work runs on a thread of its
/// own that ends right after: no pooled thread ever runs in the sandbox's namespace.
/// </summary>
internal static partial class UtsHostname
{
    private const int CloneNewUts = 0x04000000;

    public static Task SetAsync(int pid, string hostname, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Set(pid, hostname);
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "uts-hostname",
        };
        thread.Start();
        return done.Task.WaitAsync(cancellationToken);
    }

    private static void Set(int pid, string hostname)
    {
        using var handle = File.OpenHandle($"/proc/{pid}/ns/uts");
        if (SetNs((int)handle.DangerousGetHandle(), CloneNewUts) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into the UTS namespace of pid {pid} failed");
        }

        var name = Encoding.UTF8.GetBytes(hostname);
        if (SetHostName(name, (nuint)name.Length) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"sethostname {hostname} in the UTS namespace of pid {pid} failed");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int namespaceType);

    [LibraryImport("libc", EntryPoint = "sethostname", SetLastError = true)]
    private static partial int SetHostName(byte[] name, nuint length);
}
