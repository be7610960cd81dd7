using Npgsql;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// One placement at a time in this process (a semaphore, which is all SQLite needs: it has one
/// control plane) and, on PostgreSQL, across every replica: a session advisory lock on a connection
/// of its own. A placement holds it for a few queries (choose, count the quota, insert), never for the
/// agent call, so creates queue for milliseconds, not seconds. The lock's connections come from a
/// pool of their own (another application name): a pooled connection goes back to its pool with its
/// session, and so with the lock when the unlock failed; then that pool alone is cleared, which closes
/// the session and frees the lock, and the database's other connections stay.
/// </summary>
public sealed class PlacementLock(string? postgresConnectionString, ILogger<PlacementLock> logger) : IPlacementLock, IDisposable
{
    /// <summary>An arbitrary, fixed lock id: "wrenn-place" (the reconciler's leadership uses another).</summary>
    private const long LockId = 0x7772656e6e_706c;

    /// <summary>The application name that gives the lock's connections their own pool (and shows them in pg_stat_activity).</summary>
    public const string ApplicationName = "wrenn-placement-lock";

    private readonly string? _connectionString = postgresConnectionString is null
        ? null
        : new NpgsqlConnectionStringBuilder(postgresConnectionString) { ApplicationName = ApplicationName }.ConnectionString;

    private readonly SemaphoreSlim _local = new(1, 1);

    public async Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _local.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_connectionString is null)
        {
            return new PlacementLockHandle(() => ReleaseAsync(null));
        }

        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@id)", connection);
            command.Parameters.AddWithValue("id", LockId);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new PlacementLockHandle(() => ReleaseAsync(connection));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            _local.Release();
            throw;
        }
    }

    public void Dispose() => _local.Dispose();

    private async Task ReleaseAsync(NpgsqlConnection? connection)
    {
        try
        {
            if (connection is not null)
            {
                try
                {
                    // Not the request's token: a cancelled create must still let the others go.
                    await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@id)", connection);
                    command.Parameters.AddWithValue("id", LockId);
                    await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (NpgsqlException ex)
                {
                    // Disposing alone would put the session, lock and all, back in the pool (and every other
                    // replica's create would wait for it): clearing the pool closes it when it is returned below.
                    logger.PlacementUnlockFailed(ex);
                    NpgsqlConnection.ClearPool(connection);
                }
                finally
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _local.Release();
        }
    }
}
