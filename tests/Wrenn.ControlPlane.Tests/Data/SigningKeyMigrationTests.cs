using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Wrenn.ControlPlane.Data;

namespace Wrenn.ControlPlane.Tests.Data;

/// <summary>
/// Upgrading a database made before key ids: the signing keys survive SecSessions with their purpose
/// as id, which is the kid every token issued before already carries (so hosts keep their tokens).
/// </summary>
public sealed class SigningKeyMigrationTests
{
    [Fact]
    public async Task Keys_made_before_rotation_keep_their_bytes_and_get_their_purpose_as_id()
    {
        var dir = Directory.CreateTempSubdirectory("wrenn-migration-test-");
        try
        {
            var databaseUrl = await TestDatabase.CreateAsync();
            await using var db = Context(dir.FullName, databaseUrl);
            var migrations = db.Database.GetMigrations().ToList();
            var before = migrations[migrations.FindIndex(m => m.EndsWith("_SecSessions", StringComparison.Ordinal)) - 1];
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(before, TestContext.Current.CancellationToken);
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO signing_keys (purpose, key, created_at) VALUES ('user-jwt', 'dXNlcg==', '2026-11-30 10:00:00'), ('host-jwt', 'aG9zdA==', '2026-11-30 10:00:00')",
                TestContext.Current.CancellationToken);

            await migrator.MigrateAsync(cancellationToken: TestContext.Current.CancellationToken);

            var keys = await db.SigningKeys.AsNoTracking().OrderBy(k => k.Id).ToListAsync(TestContext.Current.CancellationToken);
            Assert.Equal(["host-jwt", "user-jwt"], keys.Select(k => k.Id));
            Assert.Equal(["host-jwt", "user-jwt"], keys.Select(k => k.Purpose));
            Assert.Equal(["aG9zdA==", "dXNlcg=="], keys.Select(k => k.KeyBase64));
            Assert.All(keys, k => Assert.Null(k.RetiredAt));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static WrennDbContext Context(string dir, string? databaseUrl) => databaseUrl is { } url
        ? new PostgresWrennDbContext(new DbContextOptionsBuilder<PostgresWrennDbContext>().UseNpgsql(PostgresConnectionString.FromDatabaseUrl(url)).Options)
        : new SqliteWrennDbContext(new DbContextOptionsBuilder<SqliteWrennDbContext>().UseSqlite($"Data Source={Path.Combine(dir, "wrenn.db")}").Options);
}
