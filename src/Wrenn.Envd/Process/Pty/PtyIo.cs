using Google.Protobuf;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Envd.Process.Pty;

/// <summary>A process on a pseudo-terminal: output is pty data, input goes to the terminal, size can change.</summary>
public sealed class PtyIo : IProcessIo
{
    private readonly PseudoTerminal _terminal;
    private readonly FileStream _reader;
    private readonly FileStream _writer;
    private readonly SemaphoreSlim _inputLock = new(1, 1);
    private readonly int _chunkBytes;

    public PtyIo(PseudoTerminal terminal, int chunkBytes)
    {
        _terminal = terminal;
        _chunkBytes = chunkBytes;
        _reader = new FileStream(terminal.DuplicateMaster(), FileAccess.Read, bufferSize: 0);
        _writer = new FileStream(terminal.DuplicateMaster(), FileAccess.Write, bufferSize: 0);
    }

    public bool IsTerminal => true;

    public void Resize(ushort columns, ushort rows) => _terminal.Resize(columns, rows);

    public async Task PumpAsync(Func<ProcessEvent.Types.DataEvent, Task> publish)
    {
        var buffer = new byte[_chunkBytes];
        try
        {
            while (await _reader.ReadAsync(buffer).ConfigureAwait(false) is var read and > 0)
            {
                await publish(new ProcessEvent.Types.DataEvent { Pty = ByteString.CopyFrom(buffer, 0, read) }).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // EIO once no process holds the terminal's slave side open: the terminal's end of file.
        }
    }

    public async Task<bool> WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _inputLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _inputLock.Release();
        }
    }

    /// <summary>A terminal has no separate stdin to close; clients send Ctrl-D (0x04) as input instead.</summary>
    public bool CloseInput() => false;

    public void AbandonOutput() => _reader.Dispose();

    public void Dispose()
    {
        _reader.Dispose();
        _writer.Dispose();
        _terminal.Dispose();
        _inputLock.Dispose();
    }
}
