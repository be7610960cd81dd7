using Wrenn.Envd.Process.Pty;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>
/// A process envd started: its output broadcast to every attached stream (stdout and stderr
/// interleaved in the order read), its input, its signals, and how it ended. It outlives the streams
/// attached to it. Call <see cref="Begin"/> once the first stream is attached, so that it misses nothing.
/// </summary>
public sealed class RunningProcess : IDisposable
{
    /// <summary>How long output may keep arriving after the process exited (from children that kept its pipes).</summary>
    private static readonly TimeSpan OutputGraceAfterExit = TimeSpan.FromSeconds(2);

    private readonly IChildProcess _process;
    private readonly IProcessIo _io;
    private readonly OutputBroadcast _output;
    private readonly TaskCompletionSource<ProcessExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _begun;
    private int? _signalSent;

    public RunningProcess(IChildProcess process, IProcessIo io, ProcessConfig config, string? tag, int bufferChunks)
    {
        _process = process;
        _io = io;
        _output = new OutputBroadcast(bufferChunks);
        Config = config;
        Tag = tag;
        Pid = (uint)process.Pid;
    }

    public uint Pid { get; }

    public string? Tag { get; }

    public ProcessConfig Config { get; }

    public bool IsTerminal => _io.IsTerminal;

    /// <summary>Completes once the process has ended and its output has been passed on.</summary>
    public Task<ProcessExit> Exited => _exited.Task;

    /// <summary>Attaches a stream to the output from now on.</summary>
    public OutputBroadcast.Subscription Subscribe() => _output.Subscribe();

    /// <summary>Starts passing output on; idempotent.</summary>
    public void Begin()
    {
        if (Interlocked.Exchange(ref _begun, 1) == 0)
        {
            _ = RunAsync();
        }
    }

    public Task<bool> WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _io.WriteInputAsync(data, cancellationToken);

    public bool CloseInput() => _io.CloseInput();

    /// <summary>Changes the terminal size; false for a process without a terminal.</summary>
    public bool Resize(ushort columns, ushort rows)
    {
        if (_io is not PtyIo pty)
        {
            return false;
        }

        pty.Resize(columns, rows);
        return true;
    }

    /// <summary>Sends <paramref name="signal"/> to the process and everything it started (its process group).</summary>
    public void Signal(int signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        _signalSent = signal;
        // Every process starts as the leader of a group of its own: the signal reaches what it started too.
        if (PosixSignals.Kill(-(int)Pid, signal) != 0)
        {
            _ = PosixSignals.Kill((int)Pid, signal);
        }
    }

    public void Dispose()
    {
        _io.Dispose();
        _process.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            var pump = _io.PumpAsync(_output.PublishAsync);
            var exitCode = await _process.WaitForExitAsync().ConfigureAwait(false);
            if (await Task.WhenAny(pump, Task.Delay(OutputGraceAfterExit)).ConfigureAwait(false) != pump)
            {
                // A background child still holds the output open; stop waiting for it.
                _io.AbandonOutput();
            }

            _output.Complete();
            _exited.TrySetResult(ProcessExit.FromExitCode(exitCode, _signalSent));
        }
        catch (Exception ex)
        {
            _output.Complete();
            _exited.TrySetException(ex);
        }
    }
}
