using System.Net;
using System.Net.Sockets;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// envd's listening socket, made by the agent in the sandbox's network namespace before the container
/// starts and passed to envd as fd 3 (LISTEN_FDS=1). A connection made before envd runs waits in the
/// backlog, so the agent's first request needs no polling for the port to open.
/// </summary>
internal static class EnvdListenSocket
{
    /// <summary>Room for the agent's probes and the first calls while envd starts.</summary>
    private const int Backlog = 128;

    /// <summary>
    /// A socket listening on every address of the namespace at <paramref name="namespacePath"/>, port <paramref name="port"/>
    /// (what envd would bind itself). A socket belongs to the namespace its creator's thread is in, so it is made on a
    /// thread of its own that joins the namespace and then ends: no thread of the agent's is left in the sandbox's namespace.
    /// </summary>
    public static Socket Bind(string namespacePath, int port)
    {
        try
        {
            return Os.NamespaceThread.Run(namespacePath, Os.NamespaceThread.Network, "wrenn-envd-socket", () =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    // As Kestrel binds: a restarted envd (or a later one) may take the port at once.
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    socket.Bind(new IPEndPoint(IPAddress.Any, port));
                    socket.Listen(Backlog);
                    return socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            });
        }
        catch (Exception ex)
        {
            throw new IOException($"could not listen for envd in {namespacePath}: {ex.Message}", ex);
        }
    }
}
