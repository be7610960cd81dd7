using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Wrenn.Envd.Ports;

namespace Wrenn.Envd.Tests.Ports;

/// <summary>
/// The listening sockets as the kernel reports them over netlink, which port forwarding scans every second
/// in place of /proc/net/tcp: what listens is in the answer, what only connects is not, and a closed
/// listener is gone.
/// </summary>
public sealed class SockDiagTests
{
    [Fact]
    public void A_listening_socket_on_either_loopback_is_reported_and_a_connection_is_not()
    {
        using var v4 = new TcpListener(IPAddress.Loopback, 0);
        using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        v4.Start();
        v6.Start();
        var v4Port = ((IPEndPoint)v4.LocalEndpoint).Port;
        var v6Port = ((IPEndPoint)v6.LocalEndpoint).Port;
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, v4Port);
        using var accepted = v4.AcceptTcpClient();
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var listeners = SockDiag.ReadListeners();

        Assert.Contains(new LocalListener(IPAddress.Loopback, v4Port), listeners);
        Assert.Contains(new LocalListener(IPAddress.IPv6Loopback, v6Port), listeners);
        Assert.DoesNotContain(listeners, l => l.Port == clientPort);
    }

    [Fact]
    public void A_listener_that_stopped_is_no_longer_reported()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Assert.Contains(new LocalListener(IPAddress.Loopback, port), SockDiag.ReadListeners());

        listener.Dispose();

        Assert.DoesNotContain(new LocalListener(IPAddress.Loopback, port), SockDiag.ReadListeners());
    }

    [Fact]
    public void What_this_namespace_listens_on_is_what_proc_net_tcp_says()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var fromNetlink = SockDiag.ReadListeners();
        var fromProc = ProcNetTcp.ReadListeners();

        // Other processes may open or close listeners between the two reads: ours is in both, and most of the rest agree.
        Assert.Contains(new LocalListener(IPAddress.Loopback, port), fromProc);
        Assert.Contains(new LocalListener(IPAddress.Loopback, port), fromNetlink);
        Assert.True(fromNetlink.Intersect(fromProc).Count() * 2 >= fromProc.Distinct().Count(), "netlink and /proc/net/tcp disagree on most listeners");
    }

    [Fact]
    public void A_netlink_error_in_the_answer_is_an_IO_error_not_an_empty_list()
    {
        var answer = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(answer, 20);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(4), 2);
        BinaryPrimitives.WriteInt32LittleEndian(answer.AsSpan(16), -1);

        Assert.Throws<IOException>(() => SockDiag.Parse(answer, []));
    }

    [Fact]
    public void A_message_longer_than_the_answer_is_refused()
    {
        var answer = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(answer, 400);
        BinaryPrimitives.WriteUInt16LittleEndian(answer.AsSpan(4), 20);

        Assert.Throws<IOException>(() => SockDiag.Parse(answer, []));
    }
}
