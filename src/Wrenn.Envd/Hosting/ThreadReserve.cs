using Wrenn.Envd.Process;

namespace Wrenn.Envd.Hosting;

/// <summary>
/// envd's worker threads, all started right after its first answer and never more after that. envd shares the
/// sandbox's process limit (a container's pids cgroup) with what it runs: once a fork bomb holds every pid,
/// a thread envd starts fails, and .NET's thread pool does not survive a worker it cannot start (the
/// OutOfMemoryException from Thread.StartCore ends the process). A starved pool asks for a new worker within
/// half a second, so a bomb that kept envd's workers off the CPU used to kill envd and with it the sandbox.
/// With the pool's floor and ceiling both at <see cref="Workers"/>, every worker started here, and idle
/// workers kept for good (System.Threading.ThreadPool.ThreadTimeoutMs = -1 in the project file), the pool never
/// needs another thread. The price: at most that many calls block a thread at once (a read of a FIFO no one
/// writes, say); more wait for one of them to end instead of getting a thread of their own. The child reaper's
/// thread is started here too. Run on envd's main thread once envd has answered its first call, so that a
/// sandbox's start does not wait for it (a VM's base snapshot, taken later, holds the threads), and not on a pool
/// thread: that one would be missing from the workers it waits for.
/// </summary>
public sealed class ThreadReserve(ChildReaper reaper, int processorCount, ILogger logger)
{
    /// <summary>The fewest workers kept: a handful of blocking file calls beside running exec streams.</summary>
    public const int MinimumWorkers = 8;

    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(5);

    public int Workers { get; } = WorkersFor(processorCount);

    /// <summary>How many workers envd keeps with <paramref name="processorCount"/> CPUs (at least <see cref="MinimumWorkers"/>).</summary>
    public static int WorkersFor(int processorCount) => Math.Max(MinimumWorkers, 2 * processorCount);

    /// <summary>Starts the reaper's thread and the pool's workers (a warning when they did not all start).</summary>
    public void Start()
    {
        reaper.Start();
        if (!Fill())
        {
            logger.ThreadsNotReserved(Workers);
        }
    }

    /// <summary>
    /// Pins the pool at <see cref="Workers"/> and starts them: as many items as workers, each held until all are
    /// running, so the pool has to start one per item. False when the pool refused the limits or the workers
    /// did not all start in time (envd then runs with the pool as it was: slower to fail, not broken).
    /// </summary>
    private bool Fill()
    {
        if (!ThreadPool.SetMaxThreads(Workers, Workers) || !ThreadPool.SetMinThreads(Workers, Workers))
        {
            return false;
        }

        // Never disposed: a worker may still be inside Wait when this returns.
        var running = new CountdownEvent(Workers);
        var release = new ManualResetEventSlim();
        for (var i = 0; i < Workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(
                _ =>
                {
                    running.Signal();
                    release.Wait(StartBudget);
                },
                null);
        }

        var started = running.Wait(StartBudget);
        release.Set();
        return started && ThreadPool.ThreadCount >= Workers;
    }
}
