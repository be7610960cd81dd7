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
public sealed class PlacementLockHandle(DbContext db, IDbContextTransaction? transaction, SemaphoreSlim local) : IAsyncDisposable
{
    private int _released;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            if (transaction is not null)
            {
                await using (transaction.ConfigureAwait(false))
                {
                    // Not the request's token: a cancelled create must still let the others go.
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (transaction is not null)
            {
                db.Database.AutoSavepointsEnabled = true;
            }

            local.Release();
        }
    }
}
