using System.Globalization;
using System.Net;

namespace Wrenn.Envd.Ports;

/// <summary>
/// Listening TCP sockets from /proc/net/tcp and /proc/net/tcp6 (the sandbox's network namespace):
/// addresses are hex in the kernel's byte order (32-bit words in host order, little-endian here).
/// </summary>
public static class ProcNetTcp
{
    private const string ListenState = "0A";

    public static List<LocalListener> ReadListeners()
    {
        var listeners = new List<LocalListener>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            listeners.AddRange(Parse(File.ReadLines(table)));
        }

        return listeners;
    }

    /// <summary>The LISTEN rows of one table's lines (header included).</summary>
    public static IEnumerable<LocalListener> Parse(IEnumerable<string> lines)
    {
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || fields[3] != ListenState)
            {
                continue;
            }

            var local = fields[1].Split(':');
            if (local.Length != 2 || ParseAddress(local[0]) is not { } address
                || !int.TryParse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
            {
                continue;
            }

            yield return new LocalListener(address, port);
        }
    }

    private static IPAddress? ParseAddress(string hex)
    {
        if (hex.Length is not (8 or 32))
        {
            return null;
        }

        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            // Each 32-bit word is printed as the number it is in host (little-endian) order.
            if (!uint.TryParse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        return new IPAddress(bytes);
    }
}
