using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Agent.Storage.Ownership;

namespace Wrenn.Agent.Storage;

/// <summary>
/// A sandbox's writable root: an overlay of the read-only image (and the template layers on it) with the sandbox's own upper layer on
/// its disk (<see cref="SandboxDisk"/>, at <c>disk/</c> in its directory), mounted at <c>rootfs/</c> there.
/// </summary>
public static class OverlayRootfs
{
    public const string UpperDirectoryName = "upper";
    public const string WorkDirectoryName = "work";
    public const string MountDirectoryName = "rootfs";

    public static string MountPoint(string sandboxDirectory) => Path.Combine(sandboxDirectory, MountDirectoryName);

    /// <summary>
    /// Creates the layer directories and mounts the overlay; registers the unmount on <paramref name="rollback"/>.
    /// The upper layer's root (which becomes the sandbox's /) is owned by sandbox root under <paramref name="owners"/>.
    /// </summary>
    public static Task<string> MountAsync(IReadOnlyList<string> lowerLayers, IdMapping owners, string sandboxDirectory, RollbackList rollback, CancellationToken cancellationToken)
    {
        var mountPoint = MountPoint(sandboxDirectory);
        return rollback.StepAsync(
            "storage.overlay",
            _ =>
            {
                var upper = Directory.CreateDirectory(UpperDirectory(sandboxDirectory)).FullName;
                FileOwnership.SetOwner(upper, owners.HostId, owners.HostId);
                // It becomes the sandbox's /, which every user in it must pass through; the agent's umask is 077.
                File.SetUnixFileMode(upper, (UnixFileMode)0x1ED);
                var work = Directory.CreateDirectory(Path.Combine(SandboxDisk.MountPoint(sandboxDirectory), WorkDirectoryName)).FullName;
                Directory.CreateDirectory(mountPoint);
                // nodev: a device node the tenant made opens nothing on the host. Not nosuid: the sandbox's own
                // root is this mount (runc binds it, and in a user namespace the flag cannot be lifted), and sudo
                // inside needs setuid; the sandbox directory above it is closed to other host users instead.
                Mounts.MountOverlay(lowerLayers, upper, work, mountPoint, LibC.MS_NODEV);
                return Task.FromResult(mountPoint);
            },
            _ =>
            {
                Unmount(sandboxDirectory);
                return Task.CompletedTask;
            },
            cancellationToken);
    }

    public static string UpperDirectory(string sandboxDirectory) => Path.Combine(SandboxDisk.MountPoint(sandboxDirectory), UpperDirectoryName);

    /// <summary>Unmounts the overlay if it is mounted.</summary>
    public static void Unmount(string sandboxDirectory) => Mounts.UnmountIfMounted(MountPoint(sandboxDirectory));

    /// <summary>
    /// Bytes the sandbox wrote: the size of its upper layer, measured without following anything the running
    /// tenant may swap in (<see cref="FileTreeSize"/>); 0 before the layer exists.
    /// </summary>
    public static long UsedBytes(string sandboxDirectory) => FileTreeSize.Measure(UpperDirectory(sandboxDirectory));
}
