namespace Wrenn.ControlPlane.Scheduling;

/// <summary>
/// Serialises placements: between choosing a host and inserting the sandbox's row nobody else may
/// choose, or two creates that each fit alone would both take a host's last room.
/// </summary>
public interface IPlacementLock
{
    /// <summary>Waits for the lock; disposing the answer releases it.</summary>
    Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken);
}
