using System.Globalization;

namespace Wrenn.Common.Doctor;

/// <summary>The host and port of a DATABASE_URL, in either form the control plane takes (postgres:// URL or Npgsql's key=value).</summary>
public static class DatabaseAddress
{
    public const int DefaultPort = 5432;

    public static bool TryParse(string databaseUrl, out string host, out int port)
    {
        host = string.Empty;
        port = DefaultPort;
        var value = databaseUrl.Trim();
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                return false;
            }

            host = uri.Host.Trim('[', ']');
            port = uri.IsDefaultPort || uri.Port <= 0 ? DefaultPort : uri.Port;
            return true;
        }

        foreach (var pair in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var key = pair[..equals].Trim();
            var setting = pair[(equals + 1)..].Trim();
            if (key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Server", StringComparison.OrdinalIgnoreCase))
            {
                // Several hosts for failover: the first is the one to reach.
                host = setting.Split(',')[0].Trim();
            }
            else if (key.Equals("Port", StringComparison.OrdinalIgnoreCase) && int.TryParse(setting, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                port = parsed;
            }
        }

        return host.Length > 0;
    }
}
