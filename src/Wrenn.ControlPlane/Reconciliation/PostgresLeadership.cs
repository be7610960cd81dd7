using Npgsql;

namespace Wrenn.ControlPlane.Reconciliation;

/// <summary>
/// Leadership as a PostgreSQL session advisory lock held on a connection of its own: the lock lives
/// exactly as long as that connection, so a replica that dies or loses the database frees it. The
/// connection is not pooled: a pooled one would go back to the pool with its session, lock and all,
/// when a check fails, and no other replica could lead while this one believes it does not.
/// </summary>
public sealed class PostgresLeadership(string connectionString, ILogger<PostgresLeadership> logger) : ILeadership, IAsyncDisposable
{
    /// <summary>An arbitrary, fixed lock id: "wrenn-reconciler".</summary>
    private const long LockId = 0x7772656e6e_7263;

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "wrenn-leadership" }.ConnectionString;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _connection;
    private bool _held;

    public async Task<bool> IsLeaderAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { State: System.Data.ConnectionState.Open } && _held)
            {
                // Still ours as long as the session is alive.
                await using var ping = new NpgsqlCommand("SELECT 1", _connection);
                await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }

            await ResetAsync().ConfigureAwait(false);
            _connection = new NpgsqlConnection(_connectionString);
            await _connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@id)", _connection);
            command.Parameters.AddWithValue("id", LockId);
            _held = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (_held)
            {
                logger.Leading();
            }

            return _held;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            logger.LeadershipCheckFailed(ex);
            await ResetAsync().ConfigureAwait(false);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ResetAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private async Task ResetAsync()
    {
        _held = false;
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }
}
