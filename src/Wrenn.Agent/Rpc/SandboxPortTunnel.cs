using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Wrenn.Agent.Sandboxes;
using Wrenn.Common.HostAgent.V1;

namespace Wrenn.Agent.Rpc;

/// <summary>
/// Carries one TCP connection between the control plane's traffic proxy and a port of a running
/// sandbox (OpenPort): the host reaches every port at the sandbox's address, the control plane may
/// not. Bytes are relayed as they come, both ways; the call is authenticated like every agent call.
/// </summary>
public sealed class SandboxPortTunnel(SandboxManager manager, ILogger<SandboxPortTunnel> logger)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private const int ChunkBytes = 64 * 1024;

    public async Task RelayAsync(IAsyncStreamReader<OpenPortRequest> requests, IServerStreamWriter<OpenPortResponse> responses, CancellationToken cancellationToken)
    {
        if (!await requests.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var first = requests.Current;
        if (first.Port is 0 or > 65535)
        {
            throw new ArgumentException($"port {first.Port} is not 1-65535");
        }

        var sandbox = manager.GetRunningAndTouch(first.SandboxId);
        if (sandbox.EnvdAddress?.Address is not { } address)
        {
            throw new SandboxConflictException($"sandbox {first.SandboxId} has no network address");
        }

        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connectTimeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, (int)first.Port), connectTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"nothing accepts connections on port {first.Port} of sandbox {first.SandboxId}"));
            }
        }

        logger.TunnelOpen(first.SandboxId, first.Port);
        if (!first.Data.IsEmpty)
        {
            await socket.SendAsync(first.Data.Memory, cancellationToken).ConfigureAwait(false);
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var upstream = CopyToSandboxAsync(requests, socket, sandbox, done.Token);
        var downstream = CopyFromSandboxAsync(socket, responses, sandbox, done.Token);

        // The sandbox closing its side ends the call; the proxy closing its side only half-closes.
        await downstream.ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        try
        {
            await upstream.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CopyToSandboxAsync(IAsyncStreamReader<OpenPortRequest> requests, Socket socket, Sandbox sandbox, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                await socket.SendAsync(requests.Current.Data.Memory, cancellationToken).ConfigureAwait(false);
                manager.Touch(sandbox);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // The sandbox went away; the other direction sees it and ends the call.
            socket.Close();
        }
    }

    private async Task CopyFromSandboxAsync(Socket socket, IServerStreamWriter<OpenPortResponse> responses, Sandbox sandbox, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkBytes];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            if (read == 0)
            {
                return;
            }

            await responses.WriteAsync(new OpenPortResponse { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken).ConfigureAwait(false);
            manager.Touch(sandbox);
        }
    }
}
