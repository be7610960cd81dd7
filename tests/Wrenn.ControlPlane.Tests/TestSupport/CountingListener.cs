using System.Net;
using System.Net.Sockets;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// Stands where a host agent would listen: counts the connections the control plane makes, holds each
/// for <c>hold</c>, then closes it without a word (the control plane sees the host unavailable).
/// </summary>
public sealed class CountingListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _hold;
    private readonly Task _accepting;
    private int _connections;

    public CountingListener(TimeSpan hold)
    {
        _hold = hold;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    await Task.Delay(_hold, CancellationToken.None);
                }
            });
        }
    }
}
