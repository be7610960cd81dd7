using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// QEMU's machine protocol (QMP) over its unix socket, by hand: JSON lines, a greeting, then
/// <c>qmp_capabilities</c>; each command answers <c>{"return": …}</c> or <c>{"error": {"class", "desc"}}</c>,
/// and asynchronous <c>{"event": …}</c> lines may come in between (they are skipped). One command at a time.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    /// <summary>Connects, reads the greeting and leaves negotiation mode; retries until the socket appears or <paramref name="timeout"/> passes.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                var client = new QmpClient(socket);
                try
                {
                    var greeting = await client.ReadMessageAsync(cancellationToken).ConfigureAwait(false);
                    if (greeting["QMP"] is null)
                    {
                        throw new QmpException("greeting", $"not a QMP greeting: {greeting.ToJsonString()}");
                    }

                    await client.ExecuteAsync("qmp_capabilities", null, cancellationToken).ConfigureAwait(false);
                    return client;
                }
                catch
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Runs one command and returns its "return" value; a QMP error becomes <see cref="QmpException"/>.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var request = new JsonObject { ["execute"] = command };
            if (arguments is not null)
            {
                request["arguments"] = arguments;
            }

            await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var answer = await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
                if (answer["event"] is not null)
                {
                    continue;
                }

                if (answer["error"] is { } error)
                {
                    throw new QmpException(command, $"{error["class"]}: {error["desc"]}");
                }

                return answer["return"];
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _gate.Dispose();
    }

    private async Task<JsonObject> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new QmpException("read", "QEMU closed the QMP socket");
        return JsonNode.Parse(line) as JsonObject ?? throw new QmpException("read", $"not a JSON object: {line}");
    }
}
