using System.Net.Sockets;

namespace Wrenn.Agent.Snapshots.Uffd;

/// <summary>
/// Serves one restored VM's memory: listens on the unix socket its Firecracker was told to use as the
/// Uffd memory backend, takes the handshake (regions and userfaultfd), and serves page faults from the
/// snapshot directory's memfiles until the VM is gone. Runs as its own process
/// (<c>wrenn-agent uffd-serve</c>), so the VM keeps its pages when the agent restarts.
/// </summary>
public static class PageService
{
    /// <summary>How long Firecracker may take to connect after the socket is ready.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Binds <paramref name="socketPath"/> and listens; the caller starts the VMM only after this returns.</summary>
    public static Socket Listen(string socketPath)
    {
        File.Delete(socketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The whole of <c>wrenn-agent uffd-serve</c>: listens on <paramref name="socketPath"/>, serves one VM
    /// from <paramref name="snapshotDirectory"/>, logs to the console (the launcher sends it to a file),
    /// and returns the process's exit code.
    /// </summary>
    public static async Task<int> RunAsync(string socketPath, string snapshotDirectory, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        var logger = loggers.CreateLogger("uffd-serve");
        using var listener = Listen(socketPath);
        try
        {
            await ServeAsync(listener, snapshotDirectory, logger, cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.PageServerFailed(ex);
            return 1;
        }
    }

    /// <summary>Accepts the VM's connection on <paramref name="listener"/> and serves until the VM is gone or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task ServeAsync(Socket listener, string snapshotDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        using var connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        var handshake = UffdHandshake.Receive(connection, HandshakeTimeout, cancellationToken);
        using var uffd = handshake.Uffd;
        using var memory = MemfileSet.Open(snapshotDirectory);
        var server = new UffdPageServer(uffd, handshake.Regions, memory, logger);
        logger.ServingMemory(handshake.Regions.Count, snapshotDirectory, memory.Header.Generation);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
        logger.VmGone(server.PagesCopied, server.PagesZeroed);
    }
}
