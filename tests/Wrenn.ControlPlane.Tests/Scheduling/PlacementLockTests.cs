using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Wrenn.ControlPlane.Data;
using Wrenn.ControlPlane.Scheduling;

namespace Wrenn.ControlPlane.Tests.Scheduling;

/// <summary>
/// The placement lock's unlock fails while its session lives on (here: the role lost the right to call
/// pg_advisory_unlock). The session must not go back to the pool still holding the lock, or every other
/// replica's creates wait for it: once the handle is released, the lock is free for another session.
/// </summary>
public sealed class PlacementLockTests
{
    private const string Role = "wrenn_placer";

    [Fact]
    public async Task A_failed_unlock_does_not_leave_the_lock_held_by_a_pooled_session()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "runs on its own PostgreSQL server in the SQLite pass already");
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ThrowawayPostgres.StartAsync(ct);
        var admin = PostgresConnectionString.FromDatabaseUrl(server.Url);
        await ExecuteAsync(admin, $"CREATE ROLE {Role} LOGIN", ct);
        var placer = new NpgsqlConnectionStringBuilder(admin) { Username = Role }.ConnectionString;

        using var placementLock = new PlacementLock(placer, NullLogger<PlacementLock>.Instance);
        var held = await placementLock.AcquireAsync(ct);
        Assert.Equal(1L, await AdvisoryLocksAsync(admin, ct, untilNone: false));

        // The unlock now fails with a permission error on a healthy session.
        await ExecuteAsync(admin, "REVOKE EXECUTE ON FUNCTION pg_advisory_unlock(bigint) FROM PUBLIC", ct);
        await held.DisposeAsync();

        Assert.Equal(0L, await AdvisoryLocksAsync(admin, ct));

        // And the next placement can take it again (from a fresh session of the lock's pool).
        await ExecuteAsync(admin, "GRANT EXECUTE ON FUNCTION pg_advisory_unlock(bigint) TO PUBLIC", ct);
        var again = await placementLock.AcquireAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await again.DisposeAsync();
        Assert.Equal(0L, await AdvisoryLocksAsync(admin, ct));
    }

    /// <summary>Advisory locks granted to any session; with <paramref name="untilNone"/>, asked again for a while (a session closed a moment ago takes a few ms to go).</summary>
    private static async Task<long> AdvisoryLocksAsync(string connectionString, CancellationToken ct, bool untilNone = true)
    {
        long count = 0;
        for (var attempt = 0; attempt < (untilNone ? 50 : 1); attempt++)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted", connection);
            count = (long)(await command.ExecuteScalarAsync(ct))!;
            if (count == 0)
            {
                return 0;
            }

            await Task.Delay(100, ct);
        }

        return count;
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
