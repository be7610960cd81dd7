using System.Net.Sockets;

namespace Wrenn.Agent.Tests.TestSupport;

/// <summary>A plain HttpClient on a unix socket, for sending the fake bodies the typed client never would.</summary>
public static class UnixSocketHttp
{
    public static HttpClient Create(string socketPath) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        {
            BaseAddress = new Uri("http://localhost/"),
        };
}
