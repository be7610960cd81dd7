using Microsoft.EntityFrameworkCore;

namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Serialises placements: between choosing a host and inserting the sandbox's row nobody else may
/// choose, or two creates that each fit alone would both take a host's last room.
/// </summary>
public interface IPlacementLock
{
    /// <summary>
    /// Waits for the lock, for work done through <paramref name="db"/>. Disposing the answer commits that work
    /// and releases the lock at once: nothing written under the lock is seen by others before the lock is free,
    /// and nothing is committed once the lock has been lost.
    /// </summary>
    Task<IAsyncDisposable> AcquireAsync(DbContext db, CancellationToken cancellationToken);
}
