using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Wrenn.Agent.Os;

/// <summary>
/// Writes sysctl settings of a named network namespace in-process, as <c>ip netns exec NS sysctl -w</c>
/// does without starting two programs: a dedicated thread joins the namespace (setns affects that thread
/// only, and /proc/sys/net shows the namespace of the thread that opens it), writes, and ends.
/// </summary>
public static partial class NamespaceSysctl
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Writes each (/proc/sys path, value) inside the namespace at <paramref name="namespacePath"/>, in order.</summary>
    public static Task WriteAsync(string namespacePath, IReadOnlyList<(string Path, string Value)> settings, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using (var netns = File.OpenHandle(namespacePath, FileMode.Open, FileAccess.Read))
                {
                    if (SetNs((int)netns.DangerousGetHandle(), CloneNewNet) != 0)
                    {
                        throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into {namespacePath}");
                    }
                }

                foreach (var (path, value) in settings)
                {
                    File.WriteAllText(path, value);
                }

                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "wrenn-netns-sysctl",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Writes host sysctl settings directly (the agent runs in the host's namespace).</summary>
    public static void WriteHost(IReadOnlyList<(string Path, string Value)> settings)
    {
        foreach (var (path, value) in settings)
        {
            File.WriteAllText(path, value);
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int namespaceType);
}
