using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Wrenn.Envd.Ports;

namespace Wrenn.Envd.Tests.Ports;

/// <summary>
/// Servers that listen on localhost only become reachable on the sandbox's addresses, as E2B's envd
/// makes them. Here the "sandbox address" is a loopback alias (--forward-address), so that the test
/// never exposes anything of this host.
/// </summary>
public sealed class PortForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_localhost_only_server_is_reached_on_the_forward_address_until_it_stops_listening()
    {
        var forwardAddress = IPAddress.Parse("127.0.0.2");
        await using var envd = await RunningEnvd.StartAsync(arguments: ["--forward-ports", "on", "--forward-address", forwardAddress.ToString()]);
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var serving = EchoAsync(server);

        // Within a scan or two, and byte for byte both ways, however much goes through.
        using (var client = await ConnectWithinAsync(new IPEndPoint(forwardAddress, port), TimeSpan.FromSeconds(10)))
        {
            Assert.NotNull(client);
            var data = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
            await using var stream = client.GetStream();
            var echoed = new byte[data.Length];
            var reading = stream.ReadExactlyAsync(echoed, Ct).AsTask();
            await stream.WriteAsync(data, Ct);
            client.Client.Shutdown(SocketShutdown.Send);
            await reading;
            Assert.Equal(data, echoed);
            Assert.Equal(0, await stream.ReadAsync(new byte[1], Ct));
        }

        server.Stop();
        await serving;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await CanConnectAsync(new IPEndPoint(forwardAddress, port)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the forward outlived the server");
            await Task.Delay(100, Ct);
        }
    }

    [Fact]
    public async Task Outside_a_sandbox_envd_forwards_nothing_unless_told_to()
    {
        var forwardAddress = IPAddress.Parse("127.0.0.3");
        await using var envd = await RunningEnvd.StartAsync(arguments: ["--forward-address", forwardAddress.ToString()]);
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        await Task.Delay(2500, Ct);
        Assert.False(await CanConnectAsync(new IPEndPoint(forwardAddress, ((IPEndPoint)server.LocalEndpoint).Port)));
        Assert.False(SandboxInit.IsParent());
    }

    [Fact]
    public void Listening_sockets_are_read_from_the_kernels_tables()
    {
        string[] tcp =
        [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 100 0 0 10 0",
            "   1: 00000000:C2D3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0",
            "   2: 0100007F:1F90 0100007F:D5A2 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0000000000000000 20 4 30 10 -1",
        ];
        string[] tcp6 =
        [
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4 1 0000000000000000 100 0 0 10 0",
        ];

        Assert.Equal([new LocalListener(IPAddress.Loopback, 8080), new LocalListener(IPAddress.Any, 49875)], ProcNetTcp.Parse(tcp).ToList());
        Assert.Equal([new LocalListener(IPAddress.IPv6Loopback, 3000)], ProcNetTcp.Parse(tcp6).ToList());
    }

    private static async Task EchoAsync(TcpListener server)
    {
        try
        {
            while (true)
            {
                var connection = await server.AcceptTcpClientAsync(Ct);
                _ = Task.Run(
                    async () =>
                    {
                        using (connection)
                        {
                            await using var stream = connection.GetStream();
                            await stream.CopyToAsync(stream, Ct);
                            connection.Client.Shutdown(SocketShutdown.Send);
                        }
                    },
                    Ct);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    private static async Task<TcpClient?> ConnectWithinAsync(IPEndPoint endpoint, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(endpoint, Ct);
                return client;
            }
            catch (SocketException)
            {
                client.Dispose();
                await Task.Delay(100, Ct);
            }
        }

        return null;
    }

    private static async Task<bool> CanConnectAsync(IPEndPoint endpoint)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(endpoint, Ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
