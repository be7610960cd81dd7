using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Os;

/// <summary>
/// Runs a piece of work inside another process's namespace (setns) without moving the agent: setns moves
/// only the calling thread, so the work runs on a thread of its own that joins the namespace and then ends.
/// No thread of the agent's is left in a sandbox's namespace, and the agent's own view (its network, its
/// hostname) is never touched.
/// </summary>
internal static partial class NamespaceThread
{
    /// <summary>CLONE_NEWNET: a network namespace.</summary>
    public const int Network = 0x40000000;

    /// <summary>CLONE_NEWUTS: a hostname namespace.</summary>
    public const int Uts = 0x04000000;

    /// <summary>
    /// Joins the namespace at <paramref name="namespacePath"/> (of kind <paramref name="kind"/>) on a new thread,
    /// runs <paramref name="work"/> there and returns what it returns; its failure, or the join's, is thrown here.
    /// </summary>
    public static T Run<T>(string namespacePath, int kind, string threadName, Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(namespacePath, FileMode.Open, FileAccess.Read);
                if (SetNamespace(ns, kind) != 0)
                {
                    throw new IOException($"setns({namespacePath}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = work();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        {
            IsBackground = true,
            Name = threadName,
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            // Thrown here with the stack it had on the namespace's thread.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return result;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(SafeFileHandle fd, int nstype);
}
