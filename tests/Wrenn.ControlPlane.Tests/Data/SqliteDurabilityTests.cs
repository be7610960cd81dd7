using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Tests.Data;

/// <summary>
/// The embedded SQLite database: WAL with synchronous=NORMAL on every connection the control plane
/// opens, so a commit does not wait for an fsync (a sandbox create commits three times on its path).
/// </summary>
public sealed class SqliteDurabilityTests
{
    [Fact]
    public async Task Every_connection_of_the_control_plane_is_wal_with_synchronous_normal()
    {
        var directory = Directory.CreateTempSubdirectory("wrenn-sqlite-sync-");
        try
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddWrennDatabase(new ControlPlaneOptions { WrennDir = directory.FullName });
            await using var provider = services.BuildServiceProvider();
            await DatabaseSetup.MigrateAsync(provider, TestContext.Current.CancellationToken);

            // Two scopes: each context opens a connection of its own.
            for (var i = 0; i < 2; i++)
            {
                await using var scope = provider.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WrennDbContext>();
                await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
                Assert.Equal(1L, await ScalarAsync(db, "PRAGMA synchronous;")); // 1 = NORMAL, 2 = FULL (SQLite's default)
                Assert.Equal("wal", await ScalarAsync(db, "PRAGMA journal_mode;"));
                await db.Database.CloseConnectionAsync();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static async Task<object?> ScalarAsync(WrennDbContext db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        await using (command)
        {
            command.CommandText = sql;
            return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }
    }
}
