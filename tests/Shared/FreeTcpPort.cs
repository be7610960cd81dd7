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

    /// <summary>
    /// <paramref name="count"/> different free ports on 127.0.0.1, for servers started together (a platform's control
    /// plane, agent and proxy). Each is held until all are chosen: a port released by one call may be the kernel's
    /// next pick (it starts each search at a random offset), and two servers given the same one fail to start.
    /// </summary>
    public static int[] OnLoopback(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    /// <summary>A free port on <paramref name="address"/>.</summary>
    public static int On(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
