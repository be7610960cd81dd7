using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// A held <see cref="PlacementLock"/>. Disposing it commits the placement's transaction, which releases the lock on
/// PostgreSQL, then lets the next placement of this process in; once, however often it is disposed. Whatever
/// the placement wrote is committed, as each statement would have been on its own: a statement that failed has
/// already made PostgreSQL's commit a rollback. A commit that fails (the session lost) is thrown to the
/// placement, whose work is then not in the database.
/// </summary>
public sealed class PlacementLockHandle : IAsyncDisposable
{
    private readonly DbContext _db;
    private readonly IDbContextTransaction? _transaction;
    private readonly SemaphoreSlim _local;
    private readonly bool _savepoints;
    private int _released;

    public PlacementLockHandle(DbContext db, IDbContextTransaction? transaction, SemaphoreSlim local)
    {
        _db = db;
        _transaction = transaction;
        _local = local;
        _savepoints = db.Database.AutoSavepointsEnabled;
        if (transaction is not null)
        {
            // SaveChanges in a transaction of ours would set a savepoint around its statements, a round trip each
            // way under the lock. A failed statement fails the placement anyway, all of it.
            db.Database.AutoSavepointsEnabled = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            if (_transaction is not null)
            {
                await using (_transaction.ConfigureAwait(false))
                {
                    // Not the request's token: a cancelled create must still let the others go.
                    await _transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _db.Database.AutoSavepointsEnabled = _savepoints;
            _local.Release();
        }
    }
}
