using System.Collections.Concurrent;
using Wrenn.Envd.Connect;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>The processes envd started that still run, by pid (and findable by tag).</summary>
public sealed class ProcessTable(TimeProvider clock)
{
    /// <summary>How long an ended process can still be connected to (to read its end), as in E2B.</summary>
    public static readonly TimeSpan ExitRetention = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<uint, RunningProcess> _processes = new();
    private readonly ConcurrentDictionary<uint, (RunningProcess Process, DateTimeOffset EndedAt)> _ended = new();

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
                ForgetOldEnded();
                _ended[process.Pid] = (process, clock.GetUtcNow());
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

    /// <summary>
    /// Like <see cref="Find"/>, but a process that ended less than <see cref="ExitRetention"/> ago is
    /// found too, so that a client attaching just after the end still learns how it ended.
    /// </summary>
    public RunningProcess FindIncludingEnded(ProcessSelector? selector)
    {
        try
        {
            return Find(selector);
        }
        catch (ConnectException ex) when (ex.Code == ConnectCode.NotFound)
        {
            ForgetOldEnded();
            var ended = _ended.Values.Select(e => e.Process).FirstOrDefault(p =>
                selector!.SelectorCase == ProcessSelector.SelectorOneofCase.Pid ? p.Pid == selector.Pid : p.Tag == selector.Tag);
            if (ended is null)
            {
                throw;
            }

            return ended;
        }
    }

    /// <summary>Stops everything still running (envd shutting down).</summary>
    public void KillAll()
    {
        foreach (var process in _processes.Values)
        {
            process.Signal(PosixSignals.SIGKILL);
        }
    }

    private void ForgetOldEnded()
    {
        var cutoff = clock.GetUtcNow() - ExitRetention;
        foreach (var (pid, ended) in _ended)
        {
            if (ended.EndedAt < cutoff)
            {
                _ended.TryRemove(pid, out _);
            }
        }
    }
}
