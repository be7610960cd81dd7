using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wrenn.Agent.Runtimes.Container;

/// <summary>
/// envd's listening socket, made by the agent in the sandbox's network namespace before the container
/// starts and passed to envd as fd 3 (LISTEN_FDS=1). A connection made before envd runs waits in the
/// backlog, so the agent's first request needs no polling for the port to open.
/// </summary>
internal static partial class EnvdListenSocket
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Room for the agent's probes and the first calls while envd starts.</summary>
    private const int Backlog = 128;

    /// <summary>
    /// A socket listening on every address of the namespace at <paramref name="namespacePath"/>, port <paramref name="port"/>
    /// (what envd would bind itself). A socket belongs to the namespace its creator's thread is in, so it is made on a
    /// thread of its own that joins the namespace and then ends: no thread of the agent's is left in the sandbox's namespace.
    /// </summary>
    public static Socket Bind(string namespacePath, int port)
    {
        Socket? made = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(namespacePath, FileMode.Open, FileAccess.Read);
                if (SetNamespace(ns, CloneNewNet) != 0)
                {
                    throw new IOException($"setns({namespacePath}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    // As Kestrel binds: a restarted envd (or a later one) may take the port at once.
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    socket.Bind(new IPEndPoint(IPAddress.Any, port));
                    socket.Listen(Backlog);
                    made = socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        {
            IsBackground = true,
            Name = "wrenn-envd-socket",
        };
        thread.Start();
        thread.Join();
        return made ?? throw new IOException($"could not listen for envd in {namespacePath}: {failure?.Message}", failure);
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(SafeFileHandle fd, int nstype);
}
