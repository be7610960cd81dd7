namespace Wrenn.ControlPlane.Scheduling;

/// <summary>A held <see cref="PlacementLock"/>: disposing it releases the lock, once however often it is disposed.</summary>
public sealed class PlacementLockHandle(Func<Task> release) : IAsyncDisposable
{
    private int _released;

    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _released, 1) == 0 ? new ValueTask(release()) : ValueTask.CompletedTask;
}
