using System.Net;
using System.Net.Sockets;

namespace Wrenn.Envd.Ports;

/// <summary>
/// Makes one localhost-only server reachable from outside the sandbox: listens on the sandbox's own
/// addresses at the server's port and joins every connection to the server, bytes both ways, each
/// direction closed when its sender closes. Disposing stops listening and drops the connections (as
/// E2B's envd kills its socat when the server goes).
/// </summary>
public sealed class PortRelay : IAsyncDisposable
{
    private const int BufferBytes = 64 * 1024;

    private readonly IPEndPoint _target;
    private readonly ILogger _logger;
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _accepting = [];

    private PortRelay(IPEndPoint target, ILogger logger)
    {
        _target = target;
        _logger = logger;
    }

    public int Port => _target.Port;

    /// <summary>
    /// Starts listening on <paramref name="addresses"/> (those that cannot be bound — taken by another
    /// server — are skipped); null when none could be.
    /// </summary>
    public static PortRelay? Start(IPEndPoint target, IEnumerable<IPAddress> addresses, ILogger logger)
    {
        var relay = new PortRelay(target, logger);
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(address, target.Port));
                socket.Listen(128);
                relay._listeners.Add(socket);
            }
            catch (SocketException ex)
            {
                logger.NotForwarding(ex, address, target.Port, target);
                socket.Dispose();
            }
        }

        if (relay._listeners.Count == 0)
        {
            relay._stop.Dispose();
            return null;
        }

        foreach (var listener in relay._listeners)
        {
            relay._accepting.Add(relay.AcceptAsync(listener));
        }

        return relay;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        await Task.WhenAll(_accepting).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync(Socket listener)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                connections.RemoveAll(c => c.IsCompleted);
                connections.Add(JoinAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private async Task JoinAsync(Socket client)
    {
        using (client)
        using (var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                client.NoDelay = true;
                server.NoDelay = true;
                await server.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
                await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                _logger.ConnectionEnded(ex, _target);
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[BufferBytes];
        try
        {
            while (await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false) is var read and > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The other direction or the peer closed; closing both sockets ends the other pump.
            from.Dispose();
            to.Dispose();
        }
    }
}
