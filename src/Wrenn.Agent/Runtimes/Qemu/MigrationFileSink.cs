using System.Net.Sockets;
using Wrenn.Agent.Os;
using Wrenn.Agent.Runtimes.Vm;

namespace Wrenn.Agent.Runtimes.Qemu;

/// <summary>
/// Where a pause or a template has QEMU write the VM's memory and device state: a unix socket the agent
/// listens on (QEMU connects to it with <c>migrate unix:…</c>) and copies into a file the agent itself
/// created, root's and 0600. QEMU may neither spawn <c>cat</c> (its seccomp sandbox denies it) nor open
/// host paths, and the memory file is never the VM user's to read or change.
/// </summary>
public sealed class MigrationFileSink : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly FileStream _file;
    private readonly string _socketPath;
    private readonly CancellationTokenSource _stop = new();

    private MigrationFileSink(Socket listener, FileStream file, string socketPath)
    {
        _listener = listener;
        _file = file;
        _socketPath = socketPath;
        Completion = CopyAsync(_stop.Token);
    }

    /// <summary>Done when QEMU has sent everything and closed its end, and the file is flushed.</summary>
    public Task Completion { get; }

    /// <summary>Creates <paramref name="file"/> (failing at once if it cannot) and listens on <paramref name="socketPath"/>, which only <paramref name="user"/> may connect to.</summary>
    public static MigrationFileSink Listen(string socketPath, VmUser user, string file)
    {
        var stream = new FileStream(file, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            Options = FileOptions.Asynchronous,
        });
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            File.Delete(socketPath);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            FileOwnership.SetOwner(socketPath, user.Uid, user.Gid);
            FileOwnership.SetMode(socketPath, 0b110_000_000);
            listener.Listen(1);
            return new MigrationFileSink(listener, stream, socketPath);
        }
        catch
        {
            listener.Dispose();
            stream.Dispose();
            File.Delete(file);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // The migration failed or never connected: the caller reports that.
        }

        _listener.Dispose();
        await _file.DisposeAsync().ConfigureAwait(false);
        File.Delete(_socketPath);
        _stop.Dispose();
    }

    private async Task CopyAsync(CancellationToken cancellationToken)
    {
        using var connection = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(connection, ownsSocket: false);
        await stream.CopyToAsync(_file, 1 << 20, cancellationToken).ConfigureAwait(false);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
