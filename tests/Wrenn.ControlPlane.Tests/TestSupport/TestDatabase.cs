using Npgsql;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Tests.TestSupport;

/// <summary>
/// A fresh PostgreSQL database per control plane when WRENN_TEST_DATABASE_URL is set; the whole
/// server is thrown away after the run (scripts/with-postgres.sh), so nothing is dropped here.
/// </summary>
public static class TestDatabase
{
    public const string ServerVariable = "WRENN_TEST_DATABASE_URL";

    public static bool IsPostgres => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 };

    /// <summary>Every value of the first column of <paramref name="sql"/>, read from the database the control plane uses.</summary>
    public static async Task<IReadOnlyList<string>> QueryColumnAsync(RunningControlPlane plane, string sql)
    {
        var connection = await OpenAsync(plane).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            var values = new List<string>();
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                values.Add(reader.GetString(0));
            }

            return values;
        }
    }

    /// <summary>Runs <paramref name="sql"/> (an INSERT, UPDATE…) on the database the control plane uses.</summary>
    public static async Task ExecuteAsync(RunningControlPlane plane, string sql)
    {
        var connection = await OpenAsync(plane).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private static async Task<System.Data.Common.DbConnection> OpenAsync(RunningControlPlane plane)
    {
        System.Data.Common.DbConnection connection = plane.DatabaseUrl is { } url
            ? new NpgsqlConnection(PostgresConnectionString.FromDatabaseUrl(url))
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(plane.WrennDir, "wrenn.db")}");
        await connection.OpenAsync().ConfigureAwait(false);
        return connection;
    }

    /// <summary>The URL of a new, empty database, or null when tests run on SQLite.</summary>
    public static async Task<string?> CreateAsync()
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is not { Length: > 0 } server)
        {
            return null;
        }

        var name = "wrenn_test_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        await using (var connection = new NpgsqlConnection(PostgresConnectionString.FromDatabaseUrl(server)))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var builder = new UriBuilder(server) { Path = "/" + name };
        return builder.Uri.ToString();
    }
}
