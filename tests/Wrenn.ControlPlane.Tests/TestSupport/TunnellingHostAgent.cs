using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>An agent whose OpenPort relays to that port on loopback, as the real one does to a sandbox's address.</summary>
public sealed class TunnellingHostAgent : HostAgent.HostAgentBase
{
    public ConcurrentQueue<(string SandboxId, uint Port)> Opened { get; } = new();

    public override async Task OpenPort(IAsyncStreamReader<OpenPortRequest> requestStream, IServerStreamWriter<OpenPortResponse> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }

        var first = requestStream.Current;
        Opened.Enqueue((first.SandboxId, first.Port));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, (int)first.Port), context.CancellationToken);
        }
        catch (SocketException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"nothing accepts connections on port {first.Port}"));
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var up = Task.Run(async () =>
        {
            try
            {
                while (await requestStream.MoveNext(done.Token))
                {
                    await socket.SendAsync(requestStream.Current.Data.Memory, done.Token);
                }

                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
            {
            }
        });
        var buffer = new byte[65536];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, context.CancellationToken)) > 0)
        {
            await responseStream.WriteAsync(new OpenPortResponse { Data = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken);
        }

        await done.CancelAsync();
        await up;
    }
}
