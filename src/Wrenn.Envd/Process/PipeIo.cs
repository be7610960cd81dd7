using Google.Protobuf;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process;

/// <summary>A process's stdout and stderr pipes (read concurrently, passed on as read) and optional stdin.</summary>
public sealed class PipeIo(Stream stdout, Stream stderr, Stream? stdin, int chunkBytes) : IProcessIo
{
    private readonly SemaphoreSlim _inputLock = new(1, 1);
    private Stream? _stdin = stdin;

    public bool IsTerminal => false;

    public Task PumpAsync(Func<ProcessEvent.Types.DataEvent, Task> publish) =>
        Task.WhenAll(
            ReadAsync(stdout, bytes => new ProcessEvent.Types.DataEvent { Stdout = bytes }, publish),
            ReadAsync(stderr, bytes => new ProcessEvent.Types.DataEvent { Stderr = bytes }, publish));

    public async Task<bool> WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _inputLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stdin is null)
            {
                return false;
            }

            await _stdin.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await _stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _inputLock.Release();
        }
    }

    public bool CloseInput()
    {
        _inputLock.Wait();
        try
        {
            if (_stdin is null)
            {
                return false;
            }

            _stdin.Dispose();
            _stdin = null;
            return true;
        }
        finally
        {
            _inputLock.Release();
        }
    }

    public void AbandonOutput()
    {
        stdout.Dispose();
        stderr.Dispose();
    }

    public void Dispose()
    {
        CloseInput();
        AbandonOutput();
        _inputLock.Dispose();
    }

    private async Task ReadAsync(Stream source, Func<ByteString, ProcessEvent.Types.DataEvent> wrap, Func<ProcessEvent.Types.DataEvent, Task> publish)
    {
        var buffer = new byte[chunkBytes];
        try
        {
            while (await source.ReadAsync(buffer).ConfigureAwait(false) is var read and > 0)
            {
                await publish(wrap(ByteString.CopyFrom(buffer, 0, read))).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Closed under us after the grace period: what was read has been passed on.
        }
    }
}
