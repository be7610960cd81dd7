using System.Collections.Concurrent;

namespace Wrenn.Envd.Process;

/// <summary>The processes envd started that still run, by pid.</summary>
public sealed class ProcessTable
{
    private readonly ConcurrentDictionary<uint, RunningProcess> _processes = new();

    public IReadOnlyCollection<RunningProcess> All => [.. _processes.Values];

    /// <summary>Tracks the process until it ends.</summary>
    public void Add(RunningProcess process)
    {
        _processes[process.Pid] = process;
        _ = process.Exited.ContinueWith(
            _ =>
            {
                _processes.TryRemove(new KeyValuePair<uint, RunningProcess>(process.Pid, process));
                process.Dispose();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Stops everything still running (envd shutting down).</summary>
    public void KillAll()
    {
        foreach (var process in _processes.Values)
        {
            process.Signal(PosixSignals.SIGKILL);
        }
    }
}
