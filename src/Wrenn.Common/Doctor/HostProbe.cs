using System.Buffers.Binary;
using System.Net.Sockets;
using Wrenn.Common.Configuration;

namespace Wrenn.Common.Doctor;

/// <summary>The real host: /proc, /sys, $PATH, statvfs, sockets.</summary>
public sealed class HostProbe : IHostProbe
{
    /// <summary>How long a database gets to answer before it counts as unreachable.</summary>
    public static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>PostgreSQL's SSLRequest code: any PostgreSQL server answers it with one byte, 'S' or 'N', before authentication.</summary>
    private const int SslRequestCode = 80877103;

    public string KernelRelease => ReadText("/proc/sys/kernel/osrelease")?.Trim() ?? Environment.OSVersion.Version.ToString();

    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;

    public string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    public string? FindProgram(string program) => RuntimeChoice.FindOnPath(program);

    // The same open that decides whether "auto" may use KVM.
    public bool CanOpenReadWrite(string path) => RuntimeChoice.KvmUsable(path);

    public long? AvailableBytes(string path)
    {
        // $WRENN_DIR may not exist yet: its filesystem is its nearest existing parent's.
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return null;
            }

            existing = parent;
        }

        try
        {
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    public bool IsPortFree(ListenAddress address) => PortOwner.IsFree(address);

    public ListeningProcess? PortHolder(int port) => PortOwner.Find(port);

    public async Task<string?> ProbePostgresAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DatabaseTimeout);
        var unix = host.StartsWith('/');
        using var socket = unix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (unix)
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(host, $".s.PGSQL.{port}")), timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            }

            var request = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(request, 8);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), SslRequestCode);
            await socket.SendAsync(request, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            var answer = new byte[1];
            var read = await socket.ReceiveAsync(answer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            return read == 1 && answer[0] is (byte)'S' or (byte)'N' ? null : "something answers there, but not as PostgreSQL";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {DatabaseTimeout.TotalSeconds:0} s";
        }
        catch (SocketException ex)
        {
            return ex.Message;
        }
    }

    public IReadOnlyList<string> ListFiles(string directory, string pattern)
    {
        try
        {
            return Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory, pattern)] : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public UnixFileMode? ModeOf(string path) => Exists(path) ? File.GetUnixFileMode(path) : null;

    public DateTimeOffset? LastWriteUtc(string path) =>
        Exists(path) ? new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero) : null;
}
