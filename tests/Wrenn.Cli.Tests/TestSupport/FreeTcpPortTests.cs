using System.Net;
using System.Net.Sockets;
using Wrenn.Tests.Shared;

namespace Wrenn.Cli.Tests.TestSupport;

/// <summary>
/// The ports the test platforms are started on: those chosen together for one platform are all different and
/// free, so its control plane, agent and proxy never race for one port.
/// </summary>
public sealed class FreeTcpPortTests
{
    [Fact]
    public void Ports_chosen_together_are_all_different_and_free()
    {
        // Many at once: picked one by one, with each released before the next, such a set repeats a port by chance.
        var ports = FreeTcpPort.OnLoopback(256);
        Assert.Equal(256, ports.Distinct().Count());
        foreach (var port in ports.Take(8))
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }
}
