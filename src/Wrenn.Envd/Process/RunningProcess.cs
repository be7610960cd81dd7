using System.Threading.Channels;
using Google.Protobuf;
using Wrenn.Envd.Protocol.Process;
using SystemProcess = System.Diagnostics.Process;

namespace Wrenn.Envd.Process;

/// <summary>
/// A process envd started: its output as an ordered stream of data events (stdout and stderr
/// interleaved as read), and how it ended. Output waits in a small bounded buffer, so a process that
/// writes faster than its client reads is slowed down instead of growing envd's memory. A process
/// outlives the stream that started it: once <see cref="Detach"/> is called its output is discarded.
/// </summary>
public sealed class RunningProcess : IDisposable
{
    /// <summary>How long output may keep arriving after the process exited (from children that kept its pipes).</summary>
    private static readonly TimeSpan OutputGraceAfterExit = TimeSpan.FromSeconds(2);

    private readonly SystemProcess _process;
    private readonly Channel<ProcessEvent.Types.DataEvent> _output;
    private readonly CancellationTokenSource _detached = new();
    private readonly int _chunkBytes;
    private readonly bool _ownProcessGroup;
    private int? _signalSent;

    public RunningProcess(SystemProcess process, ProcessConfig config, string? tag, bool ownProcessGroup, int bufferChunks, int chunkBytes)
    {
        _process = process;
        _ownProcessGroup = ownProcessGroup;
        _chunkBytes = chunkBytes;
        Config = config;
        Tag = tag;
        Pid = (uint)process.Id;
        _output = Channel.CreateBounded<ProcessEvent.Types.DataEvent>(new BoundedChannelOptions(bufferChunks)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var stdout = PumpAsync(process.StandardOutput.BaseStream, isStderr: false);
        var stderr = PumpAsync(process.StandardError.BaseStream, isStderr: true);
        Exited = WaitForEndAsync(stdout, stderr);
    }

    public uint Pid { get; }

    public string? Tag { get; }

    public ProcessConfig Config { get; }

    /// <summary>Output in the order it was read; completes when the process ended and its pipes closed.</summary>
    public ChannelReader<ProcessEvent.Types.DataEvent> Output => _output.Reader;

    /// <summary>Completes once the process has ended and all its output has been read.</summary>
    public Task<ProcessExit> Exited { get; }

    /// <summary>The process's stdin, when the caller asked to keep it open.</summary>
    public Stream? Stdin { get; init; }

    /// <summary>No one reads the output any more: drop it from now on so the process never blocks on a full pipe.</summary>
    public void Detach()
    {
        _detached.Cancel();
        while (_output.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the process and everything it started (its process group).</summary>
    public void Signal(int signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        _signalSent = signal;
        if (!_ownProcessGroup || PosixSignals.Kill(-(int)Pid, signal) != 0)
        {
            _ = PosixSignals.Kill((int)Pid, signal);
        }
    }

    public void Dispose()
    {
        _detached.Dispose();
        _process.Dispose();
    }

    private async Task PumpAsync(Stream source, bool isStderr)
    {
        var buffer = new byte[_chunkBytes];
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(buffer).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                if (_detached.IsCancellationRequested)
                {
                    continue;
                }

                var data = ByteString.CopyFrom(buffer, 0, read);
                var item = isStderr ? new ProcessEvent.Types.DataEvent { Stderr = data } : new ProcessEvent.Types.DataEvent { Stdout = data };
                try
                {
                    await _output.Writer.WriteAsync(item, _detached.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Detached while waiting for room: the output goes nowhere now.
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe was closed under us after the grace period; what was read has been passed on.
        }
    }

    private async Task<ProcessExit> WaitForEndAsync(Task stdout, Task stderr)
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        var pumps = Task.WhenAll(stdout, stderr);
        if (await Task.WhenAny(pumps, Task.Delay(OutputGraceAfterExit)).ConfigureAwait(false) != pumps)
        {
            // A background child still holds the pipes open; stop waiting for it.
            _process.StandardOutput.BaseStream.Dispose();
            _process.StandardError.BaseStream.Dispose();
            await pumps.ConfigureAwait(false);
        }

        _output.Writer.TryComplete();
        return ProcessExit.FromExitCode(_process.ExitCode, _signalSent);
    }
}
