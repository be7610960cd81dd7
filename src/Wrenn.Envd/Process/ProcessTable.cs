using System.Collections.Concurrent;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>The processes envd started that still run, by pid (and findable by tag).</summary>
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

    /// <summary>The running process the selector names; not_found when there is none.</summary>
    public RunningProcess Find(ProcessSelector? selector)
    {
        var found = selector?.SelectorCase switch
        {
            ProcessSelector.SelectorOneofCase.Pid => _processes.GetValueOrDefault(selector.Pid),
            ProcessSelector.SelectorOneofCase.Tag => _processes.Values.FirstOrDefault(p => p.Tag == selector.Tag),
            _ => throw new ConnectException(ConnectCode.InvalidArgument, "process selector needs a pid or a tag"),
        };
        return found ?? throw new ConnectException(
            ConnectCode.NotFound,
            selector.SelectorCase == ProcessSelector.SelectorOneofCase.Pid ? $"process with pid {selector.Pid} not found" : $"process with tag '{selector.Tag}' not found");
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
