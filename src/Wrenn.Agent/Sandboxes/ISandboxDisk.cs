using Wrenn.Agent.Operations;

namespace Wrenn.Agent.Sandboxes;

/// <summary>
/// What the sandbox code needs of a sandbox's own disk (<see cref="Storage.SandboxDisk"/>). An
/// interface so that create and pool logic run in tests without root.
/// </summary>
public interface ISandboxDisk
{
    /// <summary>Makes the sandbox's disk image in its directory (nothing when disks are not capped).</summary>
    Task FormatAsync(string sandboxDirectory, CancellationToken cancellationToken);

    /// <summary>Mounts it; the unmount is registered on <paramref name="rollback"/>.</summary>
    Task MountAsync(string sandboxDirectory, RollbackList rollback, CancellationToken cancellationToken);
}
