using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Wrenn.Envd.Process.Native;

namespace Wrenn.Envd.Process;

/// <summary>
/// Reaps envd's own children (<see cref="SpawnedProcess"/>) on one thread that waits on their pidfds:
/// a thread per process cost every command a thread start. Where pidfds are missing (Linux before
/// 5.3) a process gets a thread of its own that waits for it.
/// </summary>
public sealed class ChildReaper(ILogger logger)
{
    private const int ThreadStackBytes = 64 * 1024;

    private readonly ConcurrentDictionary<int, SpawnedProcess> _children = new();
    private readonly Lock _startLock = new();
    private int? _epoll;

    /// <summary>
    /// Starts the thread that reaps every child (where pidfds work), at envd's start rather than at its first
    /// command: by then the sandbox's process limit may be reached (a fork bomb), and a thread that cannot
    /// start would leave the command's process unreaped.
    /// </summary>
    public void Start() => EnsureStarted();

    /// <summary>Reports the process's end to it once it has ended.</summary>
    public void Watch(SpawnedProcess process)
    {
        var epoll = EnsureStarted();
        if (epoll >= 0)
        {
            _children[process.Pid] = process;
            if (SpawnNative.ReaperAdd(epoll, process.Pid) == 0)
            {
                return;
            }

            _children.TryRemove(process.Pid, out _);
        }

        new Thread(() => Reap(process), ThreadStackBytes) { IsBackground = true, Name = "envd reap" }.Start();
    }

    private int EnsureStarted()
    {
        lock (_startLock)
        {
            if (_epoll is null)
            {
                var epoll = SpawnNative.ReaperOpen();
                if (epoll >= 0)
                {
                    new Thread(() => ReapAll(epoll), ThreadStackBytes) { IsBackground = true, Name = "envd reaper" }.Start();
                }

                _epoll = epoll;
            }

            return _epoll.Value;
        }
    }

    private void ReapAll(int epoll)
    {
        while (SpawnNative.ReaperNext(epoll, out var pid) == 0)
        {
            // Forgotten before it is reaped: until then no new child can have its pid.
            if (_children.TryRemove(pid, out var process))
            {
                Reap(process);
            }
        }
    }

    /// <summary>Waits for the process to end (at once when it has), reaps it and reports its end to it.</summary>
    private void Reap(SpawnedProcess process)
    {
        var status = SpawnNative.Wait(process.Pid);
        Ended(process, status, status == -1 ? Marshal.GetLastPInvokeError() : 0);
    }

    private void Ended(SpawnedProcess process, int status, int error)
    {
        if (status == -1)
        {
            // Someone else reaped it (a SIGCHLD set to SIG_IGN in envd's parent makes .NET reap every
            // child): how it ended is lost.
            logger.ExitUnknown(process.Pid, Marshal.GetPInvokeErrorMessage(error));
        }

        process.Ended(status);
    }
}
