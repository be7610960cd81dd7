using Npgsql;

namespace Wrenn.ControlPlane.Data;

/// <summary>
/// DATABASE_URL in either form people write: <c>postgres://user:pass@host:port/db?sslmode=disable</c>
/// (or postgresql://) or Npgsql's own <c>Host=…;Username=…</c>.
/// </summary>
public static class PostgresConnectionString
{
    public static string FromDatabaseUrl(string databaseUrl)
    {
        var text = databaseUrl.Trim();
        if (!text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            // Npgsql form: let Npgsql say what is wrong with it.
            return new NpgsqlConnectionStringBuilder(text).ConnectionString;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("DATABASE_URL is not a valid postgres:// URL");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0]);
            var value = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
            if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                builder.SslMode = value.ToLowerInvariant() switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw new FormatException($"DATABASE_URL sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                };
            }
        }

        return builder.ConnectionString;
    }
}
