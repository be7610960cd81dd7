using System.Net;
using System.Net.Sockets;

namespace Wrenn.Tests.Shared;

/// <summary>
/// A TCP port nothing listens on, for a server a test starts by address (the control plane, an agent, a
/// stub): the kernel picks it, and it is released on return for the server to take. Another process may
/// take it in between, which the kernel's spread of ephemeral ports makes rare. A test that needs a port
/// taken keeps its own listener instead.
/// </summary>
public static class FreeTcpPort
{
    /// <summary>A free port on 127.0.0.1.</summary>
    public static int OnLoopback() => On(IPAddress.Loopback);

    /// <summary>A free port on <paramref name="address"/>.</summary>
    public static int On(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
