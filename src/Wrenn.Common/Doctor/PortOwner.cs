using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Wrenn.Common.Doctor;

/// <summary>
/// Who already listens on a port `wrenn up` needs: found through /proc/net/tcp{,6} (the listening
/// socket's inode) and /proc/PID/fd (the process holding it), so the message can name the process.
/// </summary>
public static class PortOwner
{
    /// <summary>True when <paramref name="address"/> can be bound now (nothing else listens there).</summary>
    public static bool IsFree(Wrenn.Common.Configuration.ListenAddress address)
    {
        if (!address.IsAnyHost)
        {
            return CanBind(IPAddress.TryParse(address.Host, out var parsed) ? parsed : IPAddress.Loopback, address.Port) != false;
        }

        // Every interface: both families, as Kestrel binds them (IPv4 alone where IPv6 is off).
        return CanBind(IPAddress.IPv6Any, address.Port) ?? CanBind(IPAddress.Any, address.Port) ?? true;
    }

    /// <summary>The process listening on <paramref name="port"/>, or null when none on this machine is seen.</summary>
    public static ListeningProcess? Find(int port)
    {
        var inodes = ListeningInodes(port);
        if (inodes.Count == 0)
        {
            return null;
        }

        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target["socket:[".Length..^1]))
                    {
                        var name = File.ReadAllText(Path.Combine(process, "comm")).Trim();
                        return new ListeningProcess(name, pid);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to look at.
            }
        }

        return null;
    }

    /// <summary>True when bound, false when the address is in use, null when this host cannot bind that family at all.</summary>
    private static bool? CanBind(IPAddress ip, int port)
    {
        try
        {
            using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (ip.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(new IPEndPoint(ip, port));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static HashSet<string> ListeningInodes(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == "0A" && fields[1].EndsWith(":" + hexPort, StringComparison.Ordinal))
                {
                    inodes.Add(fields[9]);
                }
            }
        }

        return inodes;
    }
}
