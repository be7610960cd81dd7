using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;

namespace Wrenn.Agent.Storage;

/// <summary>
/// A sandbox's writable disk: a sparse ext4 file of a fixed size, loop-mounted at <c>disk/</c> in the
/// sandbox directory, that holds the overlay's upper and work directories. A sandbox that fills it
/// gets ENOSPC and nobody else notices. With the cap off, <c>disk/</c> is a plain directory.
/// </summary>
public sealed class SandboxDisk(ICommandRunner commands, IOptions<SandboxDiskOptions> options) : Sandboxes.ISandboxDisk
{
    public const string DirectoryName = "disk";
    public const string ImageFileName = "disk.ext4";

    public static string MountPoint(string sandboxDirectory) => Path.Combine(sandboxDirectory, DirectoryName);

    public bool Capped => options.Value.SizeMb > 0;

    /// <summary>
    /// Makes the empty filesystem (a sparse file and mkfs.ext4). It needs nothing from the network
    /// setup, so creation runs the two side by side; the sandbox directory's own rollback removes it.
    /// </summary>
    public async Task FormatAsync(string sandboxDirectory, CancellationToken cancellationToken)
    {
        if (!Capped)
        {
            return;
        }

        var image = Path.Combine(sandboxDirectory, ImageFileName);
        await using (var file = new FileStream(image, FileMode.CreateNew, FileAccess.Write))
        {
            file.SetLength(options.Value.SizeMb * 1024 * 1024);
        }

        // No reserved blocks (the sandbox's root may use all of it); lazy init keeps mkfs at ~25 ms.
        await commands.RunCheckedAsync(
            "mkfs.ext4",
            ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", image],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Mounts the formatted disk at <c>disk/</c> (or makes the plain directory); the unmount is registered on <paramref name="rollback"/>.</summary>
    public Task MountAsync(string sandboxDirectory, RollbackList rollback, CancellationToken cancellationToken)
    {
        var mountPoint = MountPoint(sandboxDirectory);
        return rollback.StepAsync(
            "storage.disk",
            async ct =>
            {
                Directory.CreateDirectory(mountPoint);
                if (Capped)
                {
                    // mount(8) picks a free loop device and sets autoclear: the device goes with the unmount.
                    // nosuid,nodev: the tenant's files (the overlay's upper layer) are here too, and must not
                    // be a set-id program or a device to anyone on the host who reaches them by this path.
                    await commands.RunCheckedAsync("mount", ["-o", "loop,noatime,nosuid,nodev", Path.Combine(sandboxDirectory, ImageFileName), mountPoint], ct).ConfigureAwait(false);
                }
            },
            _ =>
            {
                Unmount(sandboxDirectory);
                return Task.CompletedTask;
            },
            cancellationToken);
    }

    /// <summary>Unmounts the disk if it is mounted (its loop device is released with it).</summary>
    public static void Unmount(string sandboxDirectory) => Mounts.UnmountIfMounted(MountPoint(sandboxDirectory));
}
