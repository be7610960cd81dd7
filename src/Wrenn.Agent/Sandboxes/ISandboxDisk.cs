using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// What the sandbox code needs of a sandbox's own disk (<see cref="Storage.SandboxDisk"/>). An
/// interface so that create and pool logic run in tests without root.
/// </summary>
public interface ISandboxDisk
{
    /// <summary>
    /// Makes the sandbox's directory out of a disk prepared ahead, already formatted and mounted; false when there is
    /// none (then the caller makes the directory, <see cref="FormatAsync"/> and <see cref="MountAsync"/> do the rest).
    /// </summary>
    bool TryTakePrepared(string sandboxDirectory);

    /// <summary>
    /// Ends what came with the prepared disk <see cref="TryTakePrepared"/> gave <paramref name="sandboxDirectory"/> and the
    /// sandbox did not take (the console's rotator, waiting for its container): a create undone before its directory goes.
    /// </summary>
    void ReleasePrepared(string sandboxDirectory);

    /// <summary>Makes the sandbox's disk image in its directory (nothing when disks are not capped).</summary>
    Task FormatAsync(string sandboxDirectory, CancellationToken cancellationToken);

    /// <summary>
    /// Mounts it (with <paramref name="prepared"/>, it came mounted); the unmount is registered on
    /// <paramref name="rollback"/>.
    /// </summary>
    Task MountAsync(string sandboxDirectory, bool prepared, RollbackList rollback, CancellationToken cancellationToken);
}
