using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Wrenn.Agent.Operations;
using Wrenn.Agent.Os;
using Wrenn.Common.Files;

namespace Wrenn.Agent.Storage;

/// <summary>
/// A sandbox's writable disk: a sparse ext4 file of a fixed size, loop-mounted at <c>disk/</c> in the
/// sandbox directory, that holds the overlay's upper and work directories. A sandbox that fills it
/// gets ENOSPC and nobody else notices. With the cap off, <c>disk/</c> is a plain directory.
/// Once <see cref="StartPreparingAsync"/> ran, up to <see cref="SandboxDiskOptions.Prepared"/> empty disks
/// are kept formatted and mounted ahead, each in a directory of its own in <c>$WRENN_DIR/prepared/disks</c>
/// (refilled one at a time in the background); a create then renames one of those directories into the
/// sandbox's place (<see cref="TryTakePrepared"/>), the mount going with it, so neither a format nor a loop
/// attach and mount is left on its path. A disk is never one another sandbox had.
/// </summary>
public sealed class SandboxDisk(
    ICommandRunner commands,
    IOptions<SandboxDiskOptions> options,
    IOptions<AgentOptions> agentOptions,
    ILogger<SandboxDisk> logger,
    Pool.CreatesInFlight? creates = null,
    IPreparedDirectoryCompanion? companion = null) : Sandboxes.ISandboxDisk, IAsyncDisposable, IDisposable
{
    public const string DirectoryName = "disk";
    public const string ImageFileName = "disk.ext4";

    private Pool.ReadySet<string>? _ready;

    public static string MountPoint(string sandboxDirectory) => Path.Combine(sandboxDirectory, DirectoryName);

    public bool Capped => options.Value.SizeMb > 0;

    /// <summary>Where prepared disks wait: beside the sandboxes, on the same filesystem, so taking one is a rename.</summary>
    public string PreparedDirectory => agentOptions.Value.Layout.PreparedDisks;

    /// <summary>Formatted disks waiting for a sandbox.</summary>
    public int ReadyCount => Ready.Count;

    private Pool.ReadySet<string> Ready => LazyInitializer.EnsureInitialized(
        ref _ready,
        () => new Pool.ReadySet<string>("a sandbox disk", options.Value.Prepared, PrepareAsync, (disk, _) =>
        {
            Discard(disk);
            return Task.CompletedTask;
        }, logger, creates));

    /// <summary>
    /// Makes <paramref name="sandboxDirectory"/> out of a prepared disk when one waits: its directory, holding the
    /// formatted image already mounted at <c>disk/</c>, is renamed into that path (which must not exist yet), so
    /// <see cref="FormatAsync"/> and the mount have nothing left to do. False when none waits or none could be moved
    /// (the caller then makes the directory and formats the disk itself).
    /// </summary>
    public bool TryTakePrepared(string sandboxDirectory)
    {
        if (!Capped)
        {
            return false;
        }

        // A directory there already (a create of an id whose directory an earlier try left) cannot be replaced by a
        // rename: checked before taking, so the prepared disk is not spent on it.
        if (Path.Exists(sandboxDirectory))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(sandboxDirectory)!);
        while (Ready.TryTake(out var prepared))
        {
            if (LibC.Rename(prepared, sandboxDirectory) == 0)
            {
                companion?.Moved(prepared, sandboxDirectory);
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            Discard(prepared);
            if (errno is LibC.EEXIST or LibC.ENOTEMPTY)
            {
                // The sandbox's directory came between the check above and the rename: no prepared disk can become it.
                return false;
            }

            if (errno == LibC.EXDEV)
            {
                // A copy would cost more than a format: prepared disks are no use on this host.
                Ready.StopRefilling();
                logger.PreparedDisksOtherFilesystem(PreparedDirectory, sandboxDirectory);
                return false;
            }

            logger.PreparedDiskMoveFailed(prepared, sandboxDirectory, errno);
        }

        return false;
    }

    /// <summary>Ends what came with a prepared disk and the sandbox did not take (<see cref="IPreparedDirectoryCompanion"/>).</summary>
    public void ReleasePrepared(string sandboxDirectory) => companion?.End(sandboxDirectory);

    /// <summary>
    /// Makes the sandbox's empty filesystem, a sparse file formatted now (mkfs.ext4), in its directory (nothing when
    /// disks are not capped). It needs nothing from the network setup, so creation runs the two side by side; the
    /// sandbox directory's own rollback removes it.
    /// </summary>
    public Task FormatAsync(string sandboxDirectory, CancellationToken cancellationToken) =>
        Capped ? FormatFileAsync(Path.Combine(sandboxDirectory, ImageFileName), cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Removes the disks an earlier run had prepared (<see cref="RemoveLeftovers"/>), then starts keeping
    /// <see cref="SandboxDiskOptions.Prepared"/> ready. Starts nothing when preparing is off or disks are uncapped.
    /// </summary>
    public Task StartPreparingAsync(CancellationToken cancellationToken)
    {
        RemoveLeftovers(cancellationToken);
        if (options.Value.Prepared <= 0 || !Capped)
        {
            return Task.CompletedTask;
        }

        Directory.CreateDirectory(PreparedDirectory);
        Ready.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Unmounts and deletes what an earlier run left in <see cref="PreparedDirectory"/>: a crashed agent leaves its
    /// prepared disks mounted, each holding a loop device. Whatever this run's settings or runtime are (prepared
    /// disks off, disks uncapped, a VM runtime): those mounts are the earlier run's and nobody else removes them.
    /// </summary>
    public void RemoveLeftovers(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(PreparedDirectory))
        {
            return;
        }

        foreach (var leftover in Directory.EnumerateFileSystemEntries(PreparedDirectory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Discard(leftover);
        }
    }

    /// <summary>Stops refilling and deletes every disk still waiting.</summary>
    public Task StopPreparingAsync(CancellationToken cancellationToken) => Ready.StopAsync(cancellationToken);

    /// <summary>Waits until the ready set is full or a refill gave up (tests and benchmarks: a host between bursts).</summary>
    public Task WaitUntilPreparedAsync(CancellationToken cancellationToken) => Ready.WaitUntilFullAsync(cancellationToken);

    public ValueTask DisposeAsync() => Ready.DisposeAsync();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Mounts the formatted disk at <c>disk/</c> (or makes the plain directory); with <paramref name="prepared"/>
    /// (<see cref="TryTakePrepared"/>) it is mounted already. The unmount is registered on <paramref name="rollback"/>.
    /// </summary>
    public Task MountAsync(string sandboxDirectory, bool prepared, RollbackList rollback, CancellationToken cancellationToken)
    {
        var mountPoint = MountPoint(sandboxDirectory);
        return rollback.StepAsync(
            "storage.disk",
            async ct =>
            {
                Directory.CreateDirectory(mountPoint);
                if (Capped && !prepared)
                {
                    await MountImageAsync(sandboxDirectory, ct).ConfigureAwait(false);
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

    /// <summary>Loop-mounts <c>disk.ext4</c> in <paramref name="directory"/> at its <c>disk/</c>, which must exist.</summary>
    private async Task MountImageAsync(string directory, CancellationToken cancellationToken)
    {
        // mount(8) picks a free loop device and sets autoclear: the device goes with the unmount.
        // nosuid,nodev: the tenant's files (the overlay's upper layer) are here too, and must not
        // be a set-id program or a device to anyone on the host who reaches them by this path.
        // In-process where the kernel allows (a mount(8) start costs tens of milliseconds per create).
        var image = Path.Combine(directory, ImageFileName);
        var mountPoint = MountPoint(directory);
        if (!LoopMount.TryMount(image, mountPoint, "ext4", LibC.MS_NOATIME | LibC.MS_NOSUID | LibC.MS_NODEV))
        {
            await commands.RunCheckedAsync("mount", ["-o", "loop,noatime,nosuid,nodev", image, mountPoint], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FormatFileAsync(string image, CancellationToken cancellationToken)
    {
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

    /// <summary>
    /// Makes one disk to wait in the ready set: a directory of its own (closed to others) with the image formatted
    /// and mounted at <c>disk/</c>, as in a sandbox's directory. A failed one is removed.
    /// </summary>
    private async Task<string> PrepareAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(PreparedDirectory, Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(directory, OwnerOnlyFiles.Directory);
            await FormatFileAsync(Path.Combine(directory, ImageFileName), cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(MountPoint(directory));
            await MountImageAsync(directory, cancellationToken).ConfigureAwait(false);
            if (companion is not null)
            {
                await Ready.HoldWhileCreatesAsync(cancellationToken).ConfigureAwait(false);
                await companion.StartAsync(directory, cancellationToken).ConfigureAwait(false);
            }

            return directory;
        }
        catch
        {
            Discard(directory);
            throw;
        }
    }

    /// <summary>
    /// Removes a prepared disk: its mount first (the loop device goes with it), then its directory. A plain file is
    /// a disk an agent from before prepared disks were mounted left. Never recurses into a mount it could not remove.
    /// </summary>
    private void Discard(string prepared)
    {
        try
        {
            companion?.End(prepared);
            if (File.Exists(prepared))
            {
                File.Delete(prepared);
                return;
            }

            Unmount(prepared);
            Sandboxes.SandboxTeardown.DeleteDirectory(prepared);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.PreparedDiskDeleteFailed(prepared, ex.Message);
        }
    }
}
