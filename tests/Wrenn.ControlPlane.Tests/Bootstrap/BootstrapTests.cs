using System.Net;
using Wrenn.Common.Bootstrap;

namespace Wrenn.ControlPlane.Tests.Bootstrap;

public sealed class BootstrapTests
{
    [Fact]
    public async Task First_start_writes_admin_credentials_readable_by_the_owner_only()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        try
        {
            var path = BootstrapCredentials.PathIn(plane.WrennDir);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            var credentials = await BootstrapCredentials.ReadAsync(plane.WrennDir, TestContext.Current.CancellationToken);
            Assert.NotNull(credentials);
            Assert.Matches("^wrn_[0-9a-f]{32}$", credentials.ApiKey);
            Assert.Matches("^team-[0-9a-f]{16}$", credentials.TeamId);
        }
        finally
        {
            await plane.StopAsync();
        }
    }

    [Fact]
    public async Task A_restart_keeps_the_same_key_working_and_creates_no_second_admin()
    {
        var dir = Directory.CreateTempSubdirectory("wrenn-cp-test-").FullName;
        try
        {
            string key;
            string? database;
            await using (var first = await RunningControlPlane.StartAsync(dir))
            {
                key = await first.ApiKeyAsync();
                database = first.DatabaseUrl;
            }

            await using var second = await RunningControlPlane.StartAsync(dir, database);
            Assert.Equal(key, await second.ApiKeyAsync());
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sandboxes");
            request.Headers.Add("X-API-Key", key);
            using var response = await second.Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Switching_to_another_database_and_back_keeps_each_ones_admin_credentials_working()
    {
        var dir = Directory.CreateTempSubdirectory("wrenn-cp-test-").FullName;
        try
        {
            // Database A, then an empty database B on the same $WRENN_DIR (a switch to PostgreSQL, or a
            // new SQLite file), then A again.
            var databaseA = await TestDatabase.CreateAsync();
            string keyA;
            await using (var first = await RunningControlPlane.StartAsync(dir, databaseA))
            {
                keyA = await first.ApiKeyAsync();
            }

            var sqlite = Path.Combine(dir, "wrenn.db");
            string? databaseB = null;
            if (databaseA is null)
            {
                // Pooled connections would keep the moved file open under its old name.
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var file in Directory.EnumerateFiles(dir, "wrenn.db*"))
                {
                    File.Move(file, file + ".a");
                }
            }
            else
            {
                databaseB = await TestDatabase.CreateAsync();
            }

            string keyB;
            await using (var second = await RunningControlPlane.StartAsync(dir, databaseB))
            {
                keyB = await second.ApiKeyAsync();
                Assert.NotEqual(keyA, keyB);
                Assert.Equal(HttpStatusCode.OK, await ListSandboxesAsync(second, keyB));
            }

            if (databaseA is null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var file in Directory.EnumerateFiles(dir, "wrenn.db*").Where(f => !f.EndsWith(".a", StringComparison.Ordinal)))
                {
                    File.Delete(file);
                }

                foreach (var file in Directory.EnumerateFiles(dir, "wrenn.db*.a"))
                {
                    File.Move(file, file[..^2]);
                }
            }

            await using var third = await RunningControlPlane.StartAsync(dir, databaseA);
            Assert.Equal(keyA, await third.ApiKeyAsync());
            Assert.Equal(HttpStatusCode.OK, await ListSandboxesAsync(third, keyA));
            Assert.False(string.IsNullOrEmpty(await third.AdminTokenAsync()));
            Assert.True(File.Exists(sqlite) || databaseA is not null);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_database_stores_only_the_hash_of_the_key()
    {
        await using var plane = await RunningControlPlane.StartAsync();
        try
        {
            var key = await plane.ApiKeyAsync();
            var stored = await TestDatabase.QueryColumnAsync(plane, "SELECT key_hash FROM team_api_keys");
            Assert.Equal([Wrenn.ControlPlane.Auth.ApiKeyHasher.Hash(key)], stored);
            await plane.StopAsync();
            if (plane.DatabaseUrl is not null)
            {
                return;
            }

            // SQLite: not even a stray copy of the key anywhere in the file or its log.
            var database = await File.ReadAllBytesAsync(Path.Combine(plane.WrennDir, "wrenn.db"), TestContext.Current.CancellationToken);
            var wal = Path.Combine(plane.WrennDir, "wrenn.db-wal");
            var all = File.Exists(wal) ? [.. database, .. await File.ReadAllBytesAsync(wal, TestContext.Current.CancellationToken)] : database;
            Assert.DoesNotContain(key, System.Text.Encoding.ASCII.GetString(all), StringComparison.Ordinal);
            Assert.Contains(Wrenn.ControlPlane.Auth.ApiKeyHasher.Hash(key), System.Text.Encoding.ASCII.GetString(all), StringComparison.Ordinal);
        }
        finally
        {
        }
    }

    [Fact]
    public async Task Outside_tests_passwords_are_hashed_with_pbkdf2_sha512_at_100000_iterations_and_log_in()
    {
        await using var plane = await RunningControlPlane.StartAsync(productionPasswordHashing: true);
        Assert.False(string.IsNullOrEmpty(await plane.AdminTokenAsync()));

        // Identity's format 3: 0x01, then the PRF (2 = HMAC-SHA512) and the iteration count, big-endian.
        var stored = Convert.FromBase64String(Assert.Single(await TestDatabase.QueryColumnAsync(plane, "SELECT password_hash FROM users")));
        Assert.Equal(0x01, stored[0]);
        Assert.Equal(2u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(stored.AsSpan(1)));
        Assert.Equal(100_000u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(stored.AsSpan(5)));
    }

    private static async Task<HttpStatusCode> ListSandboxesAsync(RunningControlPlane plane, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sandboxes");
        request.Headers.Add("X-API-Key", key);
        using var response = await plane.Http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
