using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// One placement at a time in this process (a semaphore, which is all SQLite needs: it has one control plane)
/// and, on PostgreSQL, across every replica: a transaction-level advisory lock taken first in a transaction of
/// the placement's own connection, so the lock and what is written under it end together, at the commit. A
/// placement holds it for a few queries (choose, count the quota, insert), never for the agent call, so creates
/// queue for milliseconds, not seconds. Were the session lost meanwhile (its backend ended, the network cut),
/// PostgreSQL would free the lock and roll the work back together: another replica that takes the lock then
/// never counts beside an admission that still commits. A session-level lock on a connection of its own (how
/// this worked before 2026-12-06) could be lost while the admission's insert, on another connection, still
/// committed. <c>BEGIN</c> goes out with the lock's statement and the commit replaces the unlock, so this costs
/// no round trip more.
/// </summary>
public sealed class PlacementLock(bool acrossReplicas) : IPlacementLock, IDisposable
{
    /// <summary>An arbitrary, fixed lock id: "wrenn-place" (the reconciler's leadership uses another).</summary>
    private const long LockId = 0x7772656e6e_706c;

    private readonly SemaphoreSlim _local = new(1, 1);

    public async Task<IAsyncDisposable> AcquireAsync(DbContext db, CancellationToken cancellationToken)
    {
        await _local.WaitAsync(cancellationToken).ConfigureAwait(false);
        IDbContextTransaction? transaction = null;
        try
        {
            if (acrossReplicas)
            {
                transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockId})", cancellationToken).ConfigureAwait(false);

            }

            return new PlacementLockHandle(db, transaction, _local);
        }
        catch
        {
            try
            {
                if (transaction is not null)
                {
                    await transaction.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                // Whatever the rollback did: a lock never let go would stop every later placement of this process.
                _local.Release();
            }

            throw;
        }
    }

    public void Dispose() => _local.Dispose();
}
