using Npgsql;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// One placement at a time in this process (a semaphore, which is all SQLite needs: it has one
/// control plane) and, on PostgreSQL, across every replica: a session advisory lock on a connection
/// of its own. A placement holds it for a few queries (choose, count the quota, insert), never for the
/// agent call, so creates queue for milliseconds, not seconds.
/// </summary>
public sealed class PlacementLock(string? postgresConnectionString, ILogger<PlacementLock> logger) : IPlacementLock, IDisposable
{
    /// <summary>An arbitrary, fixed lock id: "wrenn-place" (the reconciler's leadership uses another).</summary>
    private const long LockId = 0x7772656e6e_706c;

    private readonly SemaphoreSlim _local = new(1, 1);

    public async Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _local.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (postgresConnectionString is null)
        {
            return new PlacementLockHandle(() => ReleaseAsync(null));
        }

        var connection = new NpgsqlConnection(postgresConnectionString);
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
                    // The session is broken; closing it below (or its death) frees the lock all the same.
                    logger.PlacementUnlockFailed(ex);
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
