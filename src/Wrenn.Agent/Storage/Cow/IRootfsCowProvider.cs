namespace Wrenn.Agent.Storage.Cow;

/// <summary>
/// Makes a sandbox's writable root disk over a shared, read-only base image. Each call is all or
/// nothing: a create that fails half-way has undone its own steps before it throws.
/// </summary>
public interface IRootfsCowProvider
{
    string Name { get; }

    /// <summary>Creates the disk of <paramref name="sandboxId"/>; its files go into <paramref name="sandboxDirectory"/>.</summary>
    Task<RootfsCow> CreateAsync(string sandboxId, string baseImage, string sandboxDirectory, CancellationToken cancellationToken);

    /// <summary>Removes the disk and everything made for it; finding some of it already gone is not an error, so it can be retried.</summary>
    Task RemoveAsync(RootfsCow rootfs, CancellationToken cancellationToken);

    /// <summary>
    /// Frees what the disk holds on the host (devices) but keeps its contents in the sandbox's directory,
    /// for a VM paused to disk; finding parts already gone is not an error, so it can be retried.
    /// </summary>
    Task DetachAsync(RootfsCow rootfs, CancellationToken cancellationToken);

    /// <summary>
    /// Makes a detached disk usable again with the contents it had, at the same device path; all or
    /// nothing, and its contents are never touched. Fails when they are gone.
    /// </summary>
    Task<RootfsCow> ReattachAsync(RootfsCow rootfs, CancellationToken cancellationToken);
}
