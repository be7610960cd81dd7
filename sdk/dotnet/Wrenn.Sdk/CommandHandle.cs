using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Wrenn.Sdk;

/// <summary>
/// A command running in a sandbox over the exec WebSocket: its output as a stream
/// (<see cref="ReadAllAsync"/>), its result (<see cref="WaitAsync"/>), its stdin, and <see cref="KillAsync"/>.
/// Disposing it closes the connection, which kills the command if it still runs.
/// </summary>
public sealed class CommandHandle : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly CommandOptions _options;
    private readonly Channel<CommandOutput> _events = Channel.CreateUnbounded<CommandOutput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    // Output arrives in pieces cut anywhere, also inside a character: each stream keeps the bytes of a
    // character begun in one piece until the next one completes it (decoding each piece alone made two
    // replacement characters of it).
    private readonly Decoder _stdoutDecoder = Encoding.UTF8.GetDecoder();
    private readonly Decoder _stderrDecoder = Encoding.UTF8.GetDecoder();
    private readonly TaskCompletionSource<CommandResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    internal CommandHandle(ClientWebSocket socket, CommandOptions options)
    {
        _socket = socket;
        _options = options;
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>The command's process id in the sandbox, once it started.</summary>
    public uint? Pid { get; private set; }

    /// <summary>Waits for the command to end; a non-zero exit is a result (unless the options ask to throw).</summary>
    public async Task<CommandResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        var result = await _result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return _options.ThrowOnNonZeroExit && result.ExitCode != 0 ? throw new WrennCommandException(result) : result;
    }

    /// <summary>Its output as it comes, then <see cref="CommandOutput.Exited"/>.</summary>
    public IAsyncEnumerable<CommandOutput> ReadAllAsync(CancellationToken cancellationToken = default) => _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Writes to its stdin.</summary>
    public Task SendStdinAsync(string text, CancellationToken cancellationToken = default) =>
        SendStdinAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Writes bytes to its stdin.</summary>
    public Task SendStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAsync(new JsonObject { ["type"] = "stdin", ["data"] = Convert.ToBase64String(data.Span), ["encoding"] = "base64" }, cancellationToken);

    /// <summary>End of file on its stdin.</summary>
    public Task CloseStdinAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new JsonObject { ["type"] = "close_stdin" }, cancellationToken);

    /// <summary>A new size for the command's pseudo-terminal (<see cref="CommandOptions.Pty"/>): the window it shows in changed.</summary>
    public Task ResizeAsync(TerminalSize size, CancellationToken cancellationToken = default) =>
        SendAsync(new JsonObject { ["type"] = "resize", ["cols"] = size.Columns, ["rows"] = size.Rows }, cancellationToken);

    /// <summary>SIGKILL to the command and everything it started; <see cref="WaitAsync"/> then returns.</summary>
    public Task KillAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new JsonObject { ["type"] = "signal", ["signal"] = "SIGKILL" }, cancellationToken);

    /// <summary>Closes the connection (killing the command if it still runs).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _reading.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _socket.Dispose();
        _sending.Dispose();
        _stop.Dispose();
    }

    internal async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    Fail(new WrennSandboxException(502, "host_unavailable", "the command's stream ended without an exit"));
                    return;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if (Handle(node))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            Fail(ex is OperationCanceledException ? new OperationCanceledException("the command's connection was closed") : new WrennConnectionException("the command's connection broke: " + ex.Message, ex));
        }
    }

    /// <summary>Handles one event; true when the command is over.</summary>
    private bool Handle(JsonNode node)
    {
        switch (node["type"]?.GetValue<string>())
        {
            case "started":
                Pid = node["pid"]?.GetValue<uint>();
                return false;
            case "stdout" or "stderr":
                var data = node["data"]?.GetValue<string>() ?? string.Empty;
                var bytes = node["encoding"]?.GetValue<string>() == "base64" ? Convert.FromBase64String(data) : Encoding.UTF8.GetBytes(data);
                if (node["type"]!.GetValue<string>() == "stdout")
                {
                    _options.OnStdoutBytes?.Invoke(bytes);
                    Text(Decode(_stdoutDecoder, bytes, flush: false), _stdout, _options.OnStdout, text => new CommandOutput.Stdout(text));
                }
                else
                {
                    _options.OnStderrBytes?.Invoke(bytes);
                    Text(Decode(_stderrDecoder, bytes, flush: false), _stderr, _options.OnStderr, text => new CommandOutput.Stderr(text));
                }

                return false;
            case "exit":
                var exitCode = node["exit_code"]?.GetValue<int>() ?? -1;
                if (node["timed_out"]?.GetValue<bool>() == true)
                {
                    Fail(new WrennTimeoutException(504, "timeout", $"the command ran past its timeout ({node["status"]})"));
                    return true;
                }

                // A stream that ended inside a character: what is left shows as a replacement character.
                Text(Decode(_stdoutDecoder, [], flush: true), _stdout, _options.OnStdout, text => new CommandOutput.Stdout(text));
                Text(Decode(_stderrDecoder, [], flush: true), _stderr, _options.OnStderr, text => new CommandOutput.Stderr(text));
                _events.Writer.TryWrite(new CommandOutput.Exited(exitCode));
                _events.Writer.TryComplete();
                _result.TrySetResult(new CommandResult(_stdout.ToString(), _stderr.ToString(), exitCode));
                return true;
            case "error":
                var code = node["code"]?.GetValue<string>();
                Fail(WrennApiException.For(code switch { "not_found" => 404, "bad_request" => 400, "conflict" => 409, "timeout" => 504, "forbidden" => 403, _ => 502 }, code, node["message"]?.GetValue<string>()));
                return true;
            default:
                return false;
        }
    }

    private static string Decode(Decoder decoder, byte[] bytes, bool flush)
    {
        var chars = new char[decoder.GetCharCount(bytes, flush)];
        var count = decoder.GetChars(bytes, chars, flush);
        return new string(chars, 0, count);
    }

    /// <summary>Hands a decoded piece to the callback, the result and the stream (nothing when it is empty).</summary>
    private void Text(string text, StringBuilder kept, Action<string>? callback, Func<string, CommandOutput> output)
    {
        if (text.Length == 0)
        {
            return;
        }

        callback?.Invoke(text);
        if (_options.CollectOutput)
        {
            kept.Append(text);
            _events.Writer.TryWrite(output(text));
        }
    }

    private void Fail(Exception error)
    {
        _events.Writer.TryComplete(error);
        _result.TrySetException(error);
    }
}
