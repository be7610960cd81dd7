using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Wrenn.Agent.Envd;
using Wrenn.Envd.Protocol.Process;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>
/// An envd that dies while it streams, on a loopback port: it answers one call with a process's start
/// event and the first 3 bytes of a 100-byte message, then its socket is closed as the kernel closes a
/// dead process's (the request read, so a FIN, not a reset that could take unread answer with it). Plain
/// TCP: Kestrel can only reset a connection it abandons.
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
        await ReadRequestAsync(stream, cancellationToken);

        var started = new StartResponse { Event = new ProcessEvent { Start = new ProcessEvent.Types.StartEvent { Pid = StartedPid } } };
        byte[] cut = [.. ConnectEnvelope.Frame(started.ToByteArray()), 0, 0, 0, 0, 100, 1, 2, 3];
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/connect+proto\r\nTransfer-Encoding: chunked\r\n\r\n" + cut.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        await stream.WriteAsync(cut, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>The request's headers and its body (Content-Length bytes), so closing sends a FIN.</summary>
    private static async Task ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfBlankLine(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        var headers = Encoding.ASCII.GetString([.. received.Take(headerEnd)]);
        var lengthLine = headers.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var bodyRead = received.Count - (headerEnd + 4);
        while (bodyRead < length)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            bodyRead += read;
        }
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
