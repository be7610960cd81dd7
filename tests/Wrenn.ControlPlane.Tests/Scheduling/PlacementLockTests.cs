using Microsoft.EntityFrameworkCore;
using Npgsql;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Scheduling;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>
/// The placement lock of two replicas on one PostgreSQL database (two <see cref="PlacementLock"/>s, as two
/// control plane processes have), each placement writing a row under it, on its own server.
/// </summary>
public sealed class PlacementLockTests
{
    [Fact]
    public async Task A_second_replica_waits_for_the_first_and_then_sees_what_it_wrote()
    {
        await WithTwoReplicasAsync(async (replicas, held, ct) =>
        {
            var waiting = replicas.Second.AcquireAsync(replicas.SecondDb, ct);
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            Assert.False(waiting.IsCompleted, "the second replica got the lock while the first held it");

            await held.DisposeAsync();
            var secondHeld = await waiting.WaitAsync(TimeSpan.FromSeconds(30), ct);
            var seen = await AdmittedAsync(replicas.SecondDb, ct);
            Assert.Equal([1], seen);
            await secondHeld.DisposeAsync();
        });
    }

    /// <summary>
    /// The first replica's session ends while it holds the lock, after its insert (its backend ended, as
    /// <c>idle_session_timeout</c> or an administrator would). The second replica gets the lock; the first's
    /// insert must not land beside the second's, or two admissions would have counted the same last place.
    /// </summary>
    [Fact]
    public async Task A_placement_whose_session_is_lost_commits_nothing()
    {
        await WithTwoReplicasAsync(async (replicas, held, ct) =>
        {
            var url = replicas.Server.Url;
            Assert.Equal(1L, await ScalarAsync(url, "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted", ct));

            var secondHeld = await replicas.Second.AcquireAsync(replicas.SecondDb, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            await replicas.SecondDb.Database.ExecuteSqlAsync($"INSERT INTO admitted VALUES (2)", ct);
            await secondHeld.DisposeAsync();

            await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await held.DisposeAsync());
            Assert.Equal(1L, await ScalarAsync(url, "SELECT count(*) FROM admitted", ct));
            Assert.Equal(2L, await ScalarAsync(url, "SELECT min(x)::bigint FROM admitted", ct));

            // The failed release still let this replica's next placement in.
            await using var againDb = Database(url);
            var again = await replicas.First.AcquireAsync(againDb, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            await again.DisposeAsync();
            Assert.Equal(0L, await ScalarAsync(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted", ct));
        });
    }

    /// <summary>
    /// Two replicas' locks on a throwaway server with a table <c>admitted</c>; the test gets the first replica's
    /// lock held, after it inserted 1 under it.
    /// </summary>
    private static async Task WithTwoReplicasAsync(Func<TwoPlacementLocks, IAsyncDisposable, CancellationToken, Task> test)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "runs on its own PostgreSQL server in the SQLite pass already");
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ThrowawayPostgres.StartAsync(ct);
        await ScalarAsync(server.Url, "CREATE TABLE admitted (x int NOT NULL)", ct);
        using var first = new PlacementLock(acrossReplicas: true);
        using var second = new PlacementLock(acrossReplicas: true);
        await using var firstDb = Database(server.Url);
        await using var secondDb = Database(server.Url);

        var held = await first.AcquireAsync(firstDb, ct);
        await firstDb.Database.ExecuteSqlAsync($"INSERT INTO admitted VALUES (1)", ct);
        await test(new TwoPlacementLocks(server, first, firstDb, second, secondDb), held, ct);
    }

    private static async Task<int[]> AdmittedAsync(WrennDbContext db, CancellationToken ct) =>
        await db.Database.SqlQuery<int>($"SELECT x AS \"Value\" FROM admitted ORDER BY x").ToArrayAsync(ct);

    private static async Task<long> ScalarAsync(string url, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString.FromDatabaseUrl(url));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct) is long value ? value : 0;
    }

    private static WrennDbContext Database(string url) =>
        new PostgresWrennDbContext(new DbContextOptionsBuilder<PostgresWrennDbContext>().UseNpgsql(PostgresConnectionString.FromDatabaseUrl(url)).Options);
}
