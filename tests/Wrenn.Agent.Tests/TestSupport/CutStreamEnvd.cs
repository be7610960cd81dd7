using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Wrenn.Agent.Envd;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// An envd that dies while it streams, on a loopback port: it answers one call with a process's start
/// event and the first 3 bytes of a 100-byte message, then ends its side of the connection (a FIN, as the
/// kernel sends for a dead process's socket with nothing unread). Plain TCP: Kestrel can only reset a
/// connection it abandons.
/// </summary>
public sealed class CutStreamEnvd : IAsyncDisposable
{
    /// <summary>The pid the start event names.</summary>
    public const uint StartedPid = 7;

    private readonly TcpListener _listener;
    private readonly Task _serving;

    private CutStreamEnvd(TcpListener listener, CancellationToken cancellationToken)
    {
        _listener = listener;
        _serving = ServeOneAsync(cancellationToken);
    }

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public static CutStreamEnvd Start(CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new CutStreamEnvd(listener, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving.ConfigureAwait(false);
    }

    private async Task ServeOneAsync(CancellationToken cancellationToken)
    {
        using var socket = await _listener.AcceptSocketAsync(cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var buffer = new byte[4096];
        var request = new StringBuilder();
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var started = new StartResponse { Event = new ProcessEvent { Start = new ProcessEvent.Types.StartEvent { Pid = StartedPid } } };
        byte[] cut = [.. ConnectEnvelope.Frame(started.ToByteArray()), 0, 0, 0, 0, 100, 1, 2, 3];
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/connect+proto\r\nTransfer-Encoding: chunked\r\n\r\n" + cut.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.WriteAsync(cut, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);

        // Closed only once the agent has hung up, with nothing of its left unread: a socket closed with unread
        // data is reset, and a reset may take with it what the agent had not read yet.
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }
}
